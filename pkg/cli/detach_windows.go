//go:build windows

package cli

import (
	"os/exec"
	"syscall"
)

// detach starts cmd in a process group of its own, so that the console's
// Ctrl-C does not reach it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
