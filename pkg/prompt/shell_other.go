//go:build !windows

package prompt

import (
	"context"
	"os/exec"
)

// shellCommand runs command through the POSIX shell, as mfa_process and
// credential_process are written for one.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	return exec.CommandContext(ctx, "/bin/sh", "-c", command)
}
