package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/credo-cli/credo/pkg/creds"
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
// "credo: hint: <hint>". It returns the exit status for err.
func printError(w io.Writer, err error) int {
	var es *exitStatus
	if errors.As(err, &es) {
		return es.code
	}
	// A credential_process loop is reported once, by the innermost credo;
	// the credo processes above it pass its exit status up in silence.
	var le *creds.ProcessLoopError
	if errors.As(err, &le) {
		if !le.Reported {
			fmt.Fprintf(w, "credo: %s\n", firstLine(err.Error()))
		}
		if le.Nested {
			return creds.LoopExitStatus
		}
		return exitError
	}
	// Several configuration problems come as one line each.
	for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
		fmt.Fprintf(w, "credo: %s\n", line)
	}
	if h := hint.Of(err); h != "" {
		fmt.Fprintf(w, "credo: hint: %s\n", h)
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		return exitUsage
	}
	return exitError
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
