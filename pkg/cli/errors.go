package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/credo-cli/credo/pkg/creds"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/hint"
)

// Exit statuses. docs/exit-codes.md lists the same table.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// FlagError is a usage error: wrong flags or arguments. It exits 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

func flagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// exitStatus is returned by exec when the child ran and exited non-zero:
// credo exits with the same status and prints nothing.
type exitStatus struct{ code int }

func (e *exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// printError writes err as "credo: <error>" and, when it carries a hint,
// "credo: hint: <hint>". It returns the exit status for err. out is the
// standard output, where a credo running under another credo's
// credential_process tells it that a loop is reported.
func printError(out, w io.Writer, err error) int {
	var es *exitStatus
	if errors.As(err, &es) {
		return es.code
	}
	// A credential_process loop is reported once, by the innermost credo;
	// the credo processes above it learn so from its loop report and stay
	// quiet.
	var le *creds.ProcessLoopError
	if errors.As(err, &le) {
		if !le.Reported {
			fmt.Fprintf(w, "credo: %s\n", firstLine(err.Error()))
		}
		if le.Nested() {
			_, _ = out.Write(creds.LoopReport(le))
		}
		return exitError
	}
	// Several configuration problems come as one line each, at most
	// maxErrorLines of them.
	msg, h := explainErrno(err)
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	for i, line := range lines {
		if i == maxErrorLines && len(lines) > maxErrorLines+1 {
			fmt.Fprintf(w, "credo: ... and %d more problems\n", len(lines)-i)
			break
		}
		fmt.Fprintf(w, "credo: %s\n", clipLine(line))
	}
	if h != "" {
		fmt.Fprintf(w, "credo: hint: %s\n", clipLine(h))
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		return exitUsage
	}
	return exitError
}

// explainErrno returns err's message and hint, with Go's and the system's
// terse words for a path too long (a 1 KB folder name in a setting) and for
// an interrupted wait ("context canceled") replaced by what happened and
// what to do.
func explainErrno(err error) (msg, h string) {
	msg, h = err.Error(), hint.Of(err)
	// The text too: the settings package keeps a problem's words, not its error.
	if errors.Is(err, syscall.ENAMETOOLONG) || strings.Contains(msg, syscall.ENAMETOOLONG.Error()) {
		msg = strings.ReplaceAll(msg, syscall.ENAMETOOLONG.Error(), "a name in this path is too long for the file system")
		h = cmp.Or(h, "shorten that path (the variable or setting that names it): each folder or file name in it must fit in 255 bytes")
	}
	if errors.Is(err, context.Canceled) {
		// Ctrl-C or SIGTERM stopped what credo was waiting for.
		msg = strings.ReplaceAll(msg, context.Canceled.Error(), "stopped: credo was interrupted (Ctrl-C or a signal)")
	}
	return msg, h
}

// Bounds of what an error prints, whatever the input (a 1 MB profile name,
// a config with thousands of problems).
const (
	maxErrorLine  = 1024
	maxErrorLines = 20
)

// clipLine cuts a line longer than maxErrorLine bytes in its middle, at
// character boundaries, saying how much was left out.
func clipLine(s string) string {
	if len(s) <= maxErrorLine {
		return s
	}
	head, tail := maxErrorLine/2, maxErrorLine/4
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	t := len(s) - tail
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	return fmt.Sprintf("%s ...(%d bytes left out)... %s", s[:head], t-head, s[t:])
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// flagParseError turns a flag parsing error into a usage error, with the
// nearest flag of the command as hint when the flag is unknown.
func flagParseError(cmd *cobra.Command, err error) error {
	err = negatedFlagError(cmd, err)
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) || ne.GetSpecifiedName() == "" {
		return &FlagError{err: err}
	}
	var names []string
	for _, fs := range []*pflag.FlagSet{cmd.Flags(), cmd.InheritedFlags()} {
		fs.VisitAll(func(fl *pflag.Flag) {
			if !fl.Hidden {
				names = append(names, fl.Name)
			}
		})
	}
	h := ""
	if near := hint.Nearest(ne.GetSpecifiedName(), names); len(near) > 0 {
		for i := range near {
			near[i] = "--" + near[i]
		}
		h = hint.DidYouMean("--"+ne.GetSpecifiedName(), near)
	}
	if h == "" {
		h = fmt.Sprintf("run \"%s --help\" to see its flags", cmd.CommandPath())
	}
	return &FlagError{err: hint.Wrap(err, h)}
}

// unknownCommand is the root's argument check: credo takes no argument of
// its own, so one is a mistyped command. The error is one line, and the
// nearest commands the hint.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	h := hint.DidYouMean(args[0], names)
	if h == "" {
		h = fmt.Sprintf("run \"%s --help\" to see the commands", cmd.CommandPath())
	}
	return &FlagError{err: hint.Wrap(fmt.Errorf("unknown command %q", args[0]), h)}
}

// checkDuration refuses a --duration below STS's minimum. Every command
// that takes one refuses it the same way, as a usage error; a duration
// above a profile's maximum depends on the profile and fails later.
func checkDuration(d time.Duration) error {
	if d != 0 && d < plan.MinDuration {
		return flagErrorf("--duration %s is below the %s minimum STS allows", plan.FormatDuration(d), plan.FormatDuration(plan.MinDuration))
	}
	return nil
}
