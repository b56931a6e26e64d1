package prompt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// waitDelay bounds how long a killed helper may keep its output pipes open
// through a grandchild before Wait gives up on them.
const waitDelay = 2 * time.Second

// FromProcess runs command, a profile's mfa_process, through the system
// shell (/bin/sh -c, or cmd.exe /C on Windows) and returns its standard
// output, trimmed and checked with ValidCode. env is the process's
// environment; nil means credo's own. The process shares credo's standard
// input and standard error, so it can talk to the person (a YubiKey's "touch"
// message, for example); its standard output is captured. ctx bounds how
// long it may run.
//
// A failing command is reported by its exit status only: its output may hold
// the code.
func FromProcess(ctx context.Context, command string, env []string) (string, error) {
	if strings.TrimSpace(command) == "" {
		return "", errors.New("mfa_process is empty")
	}
	cmd := shellCommand(ctx, command)
	cmd.Env = env
	cmd.Stdin = os.Stdin
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = waitDelay
	out, err := cmd.Output()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return "", fmt.Errorf("mfa_process: %w", ctxErr)
	}
	if err != nil {
		// exec.ExitError prints as "exit status N" (its Stderr field stays
		// empty because Stderr is set), so the output never leaks here.
		return "", fmt.Errorf("mfa_process failed: %w", err)
	}
	return checked("mfa_process", string(out))
}
