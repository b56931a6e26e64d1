package prompt

// Rules of this file: as external.go, the question goes in the dialog's
// argv, the answer (a passphrase) only comes back on its standard output,
// which is never logged, checked as an MFA code or put in an error.

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// IsDialog reports whether driver asks through a dialog window, which can
// also ask for a passphrase where there is no terminal.
func IsDialog(driver string) bool {
	return driver == DriverZenity || driver == DriverKdialog || driver == DriverOsascript
}

// osascriptSecret is osascriptProgram with a hidden answer.
var osascriptSecret = []string{
	"-e", "on run argv",
	"-e", `display dialog (item 1 of argv) default answer "" with hidden answer with title "` + dialogTitle + `"`,
	"-e", "return text returned of result",
	"-e", "end run",
}

// Secret asks for a secret (the file keyring's passphrase) through the
// dialog driver opts.Driver, with the answer hidden as it is typed.
func Secret(ctx context.Context, opts Options, message string) (string, error) {
	if !IsDialog(opts.Driver) {
		return "", fmt.Errorf("prompt %q cannot ask for a passphrase", opts.Driver)
	}
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	e := &external{driver: opts.Driver, opts: opts}
	path, err := opts.LookPath(opts.Driver)
	if err != nil {
		return "", fmt.Errorf("prompt %q: %s not found: %w", opts.Driver, opts.Driver, err)
	}
	var args []string
	switch opts.Driver {
	case DriverZenity:
		args = []string{"--entry", "--hide-text", "--title", dialogTitle, "--text", message}
	case DriverKdialog:
		args = []string{"--title", dialogTitle, "--password", message}
	case DriverOsascript:
		args = append(append([]string{}, osascriptSecret...), message)
	}
	run := opts.Run
	if run == nil {
		run = e.run
	}
	out, err := run(ctx, path, args...)
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", fmt.Errorf("prompt %q: cancelled or failed: %s", opts.Driver, exitErr.ProcessState)
		}
		return "", fmt.Errorf("prompt %q: %w", opts.Driver, err)
	}
	return strings.TrimRight(string(out), "\r\n"), nil
}
