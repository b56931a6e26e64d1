//go:build !linux

package audit

// procStat is the name and parent of process pid; without /proc they are
// not known cheaply, so the log records the pids alone.
func procStat(int) (string, int) { return "", 0 }

// ProcName is the name of process pid, or "" when unknown.
func ProcName(int) string { return "" }

// ParentOf is the parent process id of pid, or 0 when unknown.
func ParentOf(int) int { return 0 }
