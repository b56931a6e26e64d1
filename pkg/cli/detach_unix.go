//go:build !windows

package cli

import (
	"os/exec"
	"syscall"
)

// detach starts cmd in a session of its own, so that the terminal's signals
// and its closing do not reach it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
