package keystore

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// keyctlScopes are the kernel keyrings the keyring library's keyctl
// backend may keep its named keyring in.
var keyctlScopes = map[string]int{
	"user":        unix.KEY_SPEC_USER_KEYRING,
	"usersession": unix.KEY_SPEC_USER_SESSION_KEYRING,
	"session":     unix.KEY_SPEC_SESSION_KEYRING,
	"process":     unix.KEY_SPEC_PROCESS_KEYRING,
	"thread":      unix.KEY_SPEC_THREAD_KEYRING,
}

// keyctlHasKeyring reports whether the kernel keyring of scope holds (or
// links) a keyring named name. It creates nothing, where the keyring
// library creates the named keyring it is asked to open.
func keyctlHasKeyring(scope, name string) (bool, error) {
	spec, ok := keyctlScopes[scope]
	if !ok {
		return false, fmt.Errorf("unknown keyctl scope %q (user, usersession, session, process or thread)", scope)
	}
	_, err := unix.KeyctlSearch(spec, "keyring", name, 0)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.ENOKEY), errors.Is(err, unix.EKEYREVOKED), errors.Is(err, unix.EKEYEXPIRED):
		return false, nil
	}
	return false, fmt.Errorf("searching the %s keyring: %w", scope, err)
}
