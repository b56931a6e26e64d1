package creds

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
)

// A profile whose credential_process calls credo for the same profile
// (credential_process = credo export --format json x), directly or through
// other profiles, would start credo after credo forever. credo therefore
// names, in the environment of every credential_process it runs, the
// profiles whose credential_process is running above it; a credo that is
// asked to run one of those again stops with one line naming the loop.

// ProcessChainVar holds the profiles whose credential_process is running,
// outermost first, one per line (a profile name holds no newline).
const ProcessChainVar = "CREDO_CREDENTIAL_PROCESS_CHAIN"

// LoopExitStatus is the exit status of a credo that stopped a
// credential_process loop while running under another credo's
// credential_process. The credo above it knows that the loop has been
// reported and stays quiet; the outermost one exits 1. docs/exit-codes.md
// lists it.
const LoopExitStatus = 87

// ProcessLoopError is returned when a profile's credential_process leads
// back to a profile whose credential_process is already running.
type ProcessLoopError struct {
	// Subject names the step, as in other errors: profile "a".
	Subject string
	// Loop is the chain of profiles, ending with the one seen twice.
	Loop []string
	// Reported means a credo further down already printed the line.
	Reported bool
	// Nested means this credo itself runs under a credential_process of
	// another credo, which must learn of the loop by LoopExitStatus.
	Nested bool
}

func (e *ProcessLoopError) Error() string {
	if e.Reported {
		return e.Subject + ": credential_process stopped: it loops back to a profile that is already running it"
	}
	return fmt.Sprintf("%s: credential_process loops back to profile %q (%s): a profile cannot get its credentials from itself",
		e.Subject, e.Loop[len(e.Loop)-1], strings.Join(e.Loop, " -> "))
}

// processChain reads ProcessChainVar.
func processChain(getenv func(string) string) []string {
	v := getenv(ProcessChainVar)
	if v == "" {
		return nil
	}
	return strings.Split(v, "\n")
}

// withProcessChain returns env with ProcessChainVar set to chain.
func withProcessChain(env []string, chain []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, ProcessChainVar+"=") {
			out = append(out, kv)
		}
	}
	return append(out, ProcessChainVar+"="+strings.Join(chain, "\n"))
}

// checkProcessLoop returns a *ProcessLoopError when profile's
// credential_process is already running above this process, and else the
// chain to hand to the one about to start.
func checkProcessLoop(subject, profile string, getenv func(string) string) ([]string, error) {
	chain := processChain(getenv)
	if slices.Contains(chain, profile) {
		return nil, &ProcessLoopError{Subject: subject, Loop: append(slices.Clone(chain), profile), Nested: true}
	}
	return append(slices.Clone(chain), profile), nil
}

// loopReported reports whether err is the exit of a credo that stopped a
// loop and said so.
func loopReported(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == LoopExitStatus
}
