package harden

import "syscall"

// setNonDumpable clears the process's dumpable flag: no core dump, and
// /proc/PID/{mem,environ,...} and ptrace closed to the same user's other
// processes.
func setNonDumpable() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0); errno != 0 {
		return errno
	}
	return nil
}
