//go:build !linux

package harden

// setNonDumpable: only Linux has prctl(PR_SET_DUMPABLE); the core limit of
// 0 still applies on other unix systems.
func setNonDumpable() error { return nil }
