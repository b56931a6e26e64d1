package creds

import (
	"encoding/json"
	"errors"
	"fmt"
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

// A credo that stops a loop while it runs under another credo's
// credential_process prints the one line and exits 1, like any failure, and
// tells the credo above it that the loop is reported by writing a loop
// report on its standard output, which that credo captures: the JSON
// object {"CredoCredentialProcessLoop":[…]} naming the chain it was given.
// The credo above it takes the failure as reported, and stays quiet, only
// when the report names the chain it passed down; an exit status of its own
// could be any other command's.
type loopReport struct {
	Chain []string `json:"CredoCredentialProcessLoop"`
}

// LoopReport is what a credo whose ProcessLoopError is Nested writes on its
// standard output.
func LoopReport(e *ProcessLoopError) []byte {
	b, _ := json.Marshal(loopReport{Chain: e.Above})
	return append(b, '\n')
}

// isLoopReport reports whether out, the standard output of a failed
// credential_process started with chain, is a loop report of a credo below.
func isLoopReport(out []byte, chain []string) bool {
	var r loopReport
	return json.Unmarshal(out, &r) == nil && len(chain) > 0 && slices.Equal(r.Chain, chain)
}

// ProcessLoopError is returned when a profile's credential_process leads
// back to a profile whose credential_process is already running.
type ProcessLoopError struct {
	// Subject names the step, as in other errors: profile "a".
	Subject string
	// Loop is the chain of profiles, ending with the one seen twice.
	Loop []string
	// Reported means a credo further down already printed the line.
	Reported bool
	// Above is the chain of profiles whose credential_process runs this
	// credo, from ProcessChainVar; when there is one, the credo above must
	// learn of the loop by a LoopReport.
	Above []string
}

// Nested reports whether this credo runs under a credential_process of
// another credo.
func (e *ProcessLoopError) Nested() bool { return len(e.Above) > 0 }

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
		return nil, &ProcessLoopError{Subject: subject, Loop: append(slices.Clone(chain), profile), Above: chain}
	}
	return append(slices.Clone(chain), profile), nil
}

// errLoopReported is runCredentialProcess's error for a command that failed
// with a loop report of a credo below.
var errLoopReported = errors.New("credential_process loop reported below")
