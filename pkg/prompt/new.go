package prompt

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/settings"
)

// Driver names accepted by New (and by CREDO_PROMPT / --prompt).
const (
	DriverTerminal  = "terminal"
	DriverYkman     = "ykman"
	DriverZenity    = "zenity"
	DriverKdialog   = "kdialog"
	DriverOsascript = "osascript"
)

// Drivers returns the driver names New accepts, the default first.
// The list is the prompt setting's (package settings validates it).
func Drivers() []string { return slices.Clone(settings.PromptDrivers) }

// Options configure New.
type Options struct {
	// Driver names the driver; "" means terminal.
	Driver string
	// TTYPath is the terminal the terminal driver talks to, and where
	// helper programs' messages go; "" means the controlling terminal
	// (/dev/tty, or the console on Windows).
	TTYPath string
	// LookPath finds a helper program; nil means exec.LookPath.
	LookPath func(string) (string, error)
	// Run runs a helper program and returns its standard output; nil
	// means run it for real, with its standard error on the terminal (or
	// credo's standard error without one). It is a seam for tests.
	Run func(ctx context.Context, name string, args ...string) ([]byte, error)
	// YkmanAccount is the OATH account ykman reads a code from; "" means
	// the MFA device's name, taken from the serial (see ykmanAccount).
	YkmanAccount string
}

// New returns the Prompter for opts.Driver. Helper programs are looked up
// when a code is asked for, not here, so a command that needs no code does
// not fail for want of one.
func New(opts Options) (Prompter, error) {
	if opts.TTYPath == "" {
		opts.TTYPath = defaultTTY
	}
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	switch opts.Driver {
	case "", DriverTerminal:
		return &terminal{path: opts.TTYPath}, nil
	case DriverYkman, DriverZenity, DriverKdialog, DriverOsascript:
		return &external{driver: opts.Driver, opts: opts}, nil
	}
	return nil, hint.Wrap(
		fmt.Errorf("unknown prompt driver %q", opts.Driver),
		"choose one of "+strings.Join(Drivers(), ", ")+" (CREDO_PROMPT or --prompt)")
}

// noTTYHint lists the other ways to give a code when no terminal can ask.
const noTTYHint = "pass the code with --mfa-token CODE, set mfa_process in the profile, " +
	"or choose a prompt that needs no terminal with CREDO_PROMPT (ykman, zenity, kdialog, osascript)"

// messageFor is the question asked when the caller gave none.
func messageFor(serial, message string) string {
	if message != "" {
		return message
	}
	return fmt.Sprintf("Enter MFA code for %s: ", serial)
}
