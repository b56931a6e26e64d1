// Package harden keeps credo's memory, where the file keyring's passphrase
// and session secrets live, out of core dumps and away from other
// processes: at start each binary makes itself non-dumpable (Linux:
// prctl(PR_SET_DUMPABLE, 0), which also makes /proc/PID/mem, environ and
// ptrace the kernel's and root's alone) and sets its core limit to 0.
//
// The user's own command (credo exec's child) gets the core limit credo
// started with back: run its start or execve inside WithUserCoreLimit.
// (Dumpability is reset by the kernel at execve.)
//
// It imports the standard library alone: the lean front links it.
// It is part of credo's implementation, not a public API.
package harden

import "sync"

var (
	mu       sync.Mutex
	started  bool
	userCore *CoreLimit // the limit before Process, nil when unknown
)

// Process hardens the running process; call it first thing in main. It
// returns what failed, for the --debug log; a failure leaves credo usable.
func Process() error {
	mu.Lock()
	defer mu.Unlock()
	if started {
		return nil
	}
	started = true
	old, err := Apply()
	if err == nil {
		userCore = old
	}
	return err
}

// Apply makes the two calls of Process, every time it is called (the
// benchmark times it), and returns the core limit before them.
func Apply() (*CoreLimit, error) {
	old, err := setCoreLimitZero()
	if derr := setNonDumpable(); derr != nil && err == nil {
		err = derr
	}
	return old, err
}

// CoreLimit is a core dump size limit (soft and hard).
type CoreLimit = coreLimit

// WithUserCoreLimit runs start (which starts or execs the user's command)
// with the core limit the process had before Process, then sets it back to
// 0 (when start returns: a failed execve, or a started child).
func WithUserCoreLimit(start func() error) error {
	mu.Lock()
	defer mu.Unlock()
	if userCore == nil {
		return start()
	}
	restoreCoreLimit(userCore)
	defer func() { _, _ = setCoreLimitZero() }()
	return start()
}
