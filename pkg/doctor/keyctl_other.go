//go:build !linux

package doctor

// KeyctlPossession is Linux's alone: the keyctl backend exists only there.
func KeyctlPossession() Finding {
	return Finding{Check: "backend", Status: Info, Message: "the kernel keyring exists only on Linux"}
}
