package doctor

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// KeyctlPossession reports whether this process possesses the user's
// kernel keyring: whether a search of its session keyring reaches it (a
// login links it there; `keyctl session -` starts a session without it).
// Keys that credo keeps under the user keyring can be read only by its
// possessor.
func KeyctlPossession() Finding {
	name := fmt.Sprintf("_uid.%d", os.Getuid())
	_, err := unix.KeyctlSearch(unix.KEY_SPEC_SESSION_KEYRING, "keyring", name, 0)
	switch {
	case err == nil:
		return Finding{Check: "backend", Status: OK, Message: "the user keyring (" + name + ") is in this session's possession"}
	case errors.Is(err, unix.ENOKEY), errors.Is(err, unix.EACCES):
		return Finding{Check: "backend", Status: Fail,
			Message: "the user keyring (" + name + ") is not in this session's possession: credo's keys there cannot be read",
			Fix:     "run credo in a login session whose session keyring links the user keyring (keyctl link @u @s), or choose another backend"}
	}
	return Finding{Check: "backend", Status: Warn, Message: "cannot search the session keyring: " + err.Error()}
}
