package prompt

// Rules of this file: a helper program gets the question and the MFA serial
// in its argv, never a secret; the code only comes back on its standard
// output, which is never logged or put in an error.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/credo-cli/credo/pkg/hint"
)

// external asks through a helper program: ykman or a dialog.
type external struct {
	driver string
	opts   Options
}

// dialogTitle is the window title of the dialog drivers.
const dialogTitle = "credo"

// osascriptProgram shows a dialog with an entry field. The question arrives
// as a script argument, so no quoting into AppleScript is needed.
var osascriptProgram = []string{
	"-e", "on run argv",
	"-e", `display dialog (item 1 of argv) default answer "" with title "` + dialogTitle + `"`,
	"-e", "return text returned of result",
	"-e", "end run",
}

// args returns the helper's argv (after its name) for one question.
func (e *external) args(serial, message string) []string {
	switch e.driver {
	case DriverYkman:
		account := e.opts.YkmanAccount
		if account == "" {
			account = ykmanAccount(serial)
		}
		return []string{"oath", "accounts", "code", "--single", account}
	case DriverZenity:
		return []string{"--entry", "--title", dialogTitle, "--text", message}
	case DriverKdialog:
		return []string{"--title", dialogTitle, "--inputbox", message, ""}
	case DriverOsascript:
		return append(append([]string{}, osascriptProgram...), message)
	}
	panic("prompt: unhandled driver " + e.driver)
}

// ykmanAccount derives the OATH account name from an MFA serial: the
// device's name, the part after ":mfa/" (arn:aws:iam::123456789012:mfa/alice
// gives alice); a serial that is not an ARN (a hardware token's serial
// number) is used as it is. ykman matches its query against any part of an
// account's name and prefers an exact match, so the device name finds an
// account named after the whole ARN (aws-vault's convention) as well as one
// named "Amazon Web Services:alice@123456789012" (the label in the QR code
// the AWS console shows). When it matches several accounts, set the account
// explicitly.
func ykmanAccount(serial string) string {
	if i := strings.LastIndex(serial, ":mfa/"); i >= 0 && i+len(":mfa/") < len(serial) {
		return serial[i+len(":mfa/"):]
	}
	return serial
}

// MFACode runs the helper and returns the code it printed.
func (e *external) MFACode(ctx context.Context, serial, message string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	message = strings.TrimSpace(messageFor(serial, message))
	path, err := e.opts.LookPath(e.driver)
	if err != nil {
		return "", hint.Wrap(
			fmt.Errorf("prompt %q: %s not found: %w", e.driver, e.driver, err),
			"install "+e.driver+", or choose another prompt with CREDO_PROMPT ("+strings.Join(Drivers(), ", ")+")")
	}
	run := e.opts.Run
	if run == nil {
		run = e.run
	}
	out, err := run(ctx, path, e.args(serial, message)...)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return "", fmt.Errorf("prompt %q: %w", e.driver, ctxErr)
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			what := "failed"
			if e.driver != DriverYkman {
				// Dialogs exit non-zero when the person presses Cancel.
				what = "cancelled or failed"
			}
			// Only the status: the output is never repeated.
			return "", fmt.Errorf("prompt %q: %s: %s", e.driver, what, exitErr.ProcessState)
		}
		return "", fmt.Errorf("prompt %q: %w", e.driver, err)
	}
	return checked(fmt.Sprintf("prompt %q", e.driver), string(out))
}

// run runs the helper for real. ykman writes "Touch your YubiKey..." to its
// standard error and may ask for the OATH password on its standard input:
// both go to the terminal when there is one, since credential_process
// captures credo's own standard error. Dialogs only print diagnostics
// there, which go to credo's standard error.
func (e *external) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = waitDelay
	cmd.Stderr = os.Stderr
	if e.driver == DriverYkman {
		if in, out, err := openTTY(e.opts.TTYPath); err == nil {
			defer closePair(in, out)
			cmd.Stdin, cmd.Stderr = in, out
		}
	}
	return cmd.Output()
}

// closePair closes a terminal opened by openTTY.
func closePair(in, out io.Closer) {
	in.Close()
	if out != in {
		out.Close()
	}
}
