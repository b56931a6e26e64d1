//go:build linux

package testsvc

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ownKeyringVar marks a test process that already runs in its own session
// keyring.
const ownKeyringVar = "CREDO_TEST_OWN_SESSION_KEYRING"

// OwnSessionKeyring, called first in TestMain, re-runs the test binary in a
// new session keyring of its own, as a fresh login would have, so that what
// credo keeps in memory (package memstore) is shared by the test's processes
// and by nothing else: not the developer's login, not a test running beside
// it. Joining a session keyring changes only the calling thread, so the
// process replaces itself (exec keeps the thread's keyrings) to give the new
// one to all its threads. Where the kernel refuses, the tests run as they
// are (memstore then reports itself unavailable, as credo must handle).
func OwnSessionKeyring() {
	// Only the test binary itself (name.test) moves; the commands it runs
	// as (testscript's credo, credo-core, helpers) inherit its keyring, as
	// the processes of a login inherit the login's.
	if !strings.HasSuffix(filepath.Base(os.Args[0]), ".test") {
		return
	}
	NewLogin()
}

// NewLogin re-runs this program in a new session keyring that links the
// user keyring, as a login's does (pam_keyinit), unless it already did; the
// benchmark calls it first. It returns only when the kernel refuses.
func NewLogin() {
	if os.Getenv(ownKeyringVar) != "" {
		return
	}
	runtime.LockOSThread()
	var r [8]byte
	_, _ = rand.Read(r[:])
	if _, err := unix.KeyctlJoinSessionKeyring("credo-test-" + hex.EncodeToString(r[:])); err != nil {
		runtime.UnlockOSThread()
		return
	}
	// As pam_keyinit does for a login: the session keyring links the
	// user keyring, so that its keys (the keyctl backend's) stay reachable.
	_, _ = unix.KeyctlInt(unix.KEYCTL_LINK, unix.KEY_SPEC_USER_KEYRING, unix.KEY_SPEC_SESSION_KEYRING, 0, 0)
	os.Setenv(ownKeyringVar, "1")
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	err = syscall.Exec(exe, os.Args, os.Environ())
	panic("re-running in a session keyring of its own: " + err.Error())
}
