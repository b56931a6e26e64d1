//go:build !linux

package audit

// ProcName is the name of process pid; without /proc it is not known
// cheaply, so the log records the pid alone.
func ProcName(int) string { return "" }

// ParentOf is the parent process id of pid, or 0 when unknown.
func ParentOf(int) int { return 0 }
