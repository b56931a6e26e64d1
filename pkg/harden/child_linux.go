//go:build linux

package harden

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// ForChild runs start, which starts (or becomes, by execve) a command that
// credo hands credentials to, so that the command gets nothing of what
// credo holds in memory (package memstore): start runs on an OS thread of its own whose session
// keyring is a new, empty one that links only the user keyring (as a login's
// does), and a process inherits the keyrings of the thread that started it.
// Without this, the command would possess credo's keyring through the
// login's session keyring: `credo exec dev -- npm install` would let any
// script it runs read the file keyring's unlocked key (and with it every
// long-term key in the folder, for good) and the sessions of every other
// profile. Where the kernel refuses a new session keyring, memory is not
// usable either, and start runs as it is.
//
// The thread stays locked: it ends with its goroutine, and its keyrings
// never serve credo's other work.
func ForChild(start func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see above
		if _, err := unix.KeyctlInt(unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0); err == nil {
			_, _ = unix.KeyctlInt(unix.KEYCTL_LINK, unix.KEY_SPEC_USER_KEYRING, unix.KEY_SPEC_SESSION_KEYRING, 0, 0)
		}
		errc <- start()
	}()
	return <-errc
}
