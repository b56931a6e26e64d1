//go:build unix

package harden

import "syscall"

type coreLimit = syscall.Rlimit

// setCoreLimitZero sets RLIMIT_CORE to 0 (soft and hard) and returns the
// limit before.
func setCoreLimitZero() (*coreLimit, error) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &old); err != nil {
		return nil, err
	}
	// The soft limit alone: lowering the hard one could not be undone
	// for the user's command.
	zero := syscall.Rlimit{Cur: 0, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &zero); err != nil {
		return nil, err
	}
	return &old, nil
}

func restoreCoreLimit(l *coreLimit) { _ = syscall.Setrlimit(syscall.RLIMIT_CORE, l) }
