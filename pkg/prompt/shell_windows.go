//go:build windows

package prompt

import (
	"context"
	"os/exec"
	"syscall"
)

// shellCommand runs command through cmd.exe. The command line is passed
// verbatim: cmd.exe does not parse its arguments the way Go quotes them.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "cmd.exe")
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd.exe /C ` + command}
	return cmd
}
