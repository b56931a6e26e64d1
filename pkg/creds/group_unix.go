//go:build unix

package creds

import (
	"os/exec"
	"syscall"

	"github.com/credo-cli/credo/pkg/prompt"
)

// ownGroup makes stopping cmd stop what it started too (a shell's
// `sleep 3600`, which would otherwise keep running and hold credo's
// standard error open): cmd runs in a process group of its own, and
// cancelling kills the group. Not when credo is in its terminal's
// foreground: a process outside the foreground group is stopped when it
// reads the terminal, and a credential_process may prompt there; stopping
// it then kills the command alone.
func ownGroup(cmd *exec.Cmd) {
	if prompt.InForeground() {
		return
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
