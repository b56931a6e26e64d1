//go:build linux

package testsvc

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"runtime"
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
	os.Setenv(ownKeyringVar, "1")
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	err = syscall.Exec(exe, os.Args, os.Environ())
	panic("re-running the test binary in its own session keyring: " + err.Error())
}
