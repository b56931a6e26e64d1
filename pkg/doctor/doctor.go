// Package doctor checks credo's whole set-up and says what to do about
// each problem: the keyring backend, the AWS config files, credo's
// settings, its folders, its two binaries, the clock against STS, the
// endpoints, the age of stored keys, MFA, and (online only) root user keys.
//
// Each check is a function of what it is given (files, a store, a clock,
// an HTTP client): pkg/cli gathers them for `credo doctor`. No check calls
// STS with stored keys; only RootKeys does, and the command runs it with
// --online alone.
package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Status is how bad a finding is.
type Status string

// The statuses, from good to bad. Fail means a credo command would fail
// because of it; doctor then exits non-zero.
const (
	OK   Status = "ok"
	Info Status = "info"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Finding is one result of a check.
type Finding struct {
	// Check names the check: backend, config, settings, folders,
	// binaries, clock, endpoints, keys, mfa, root.
	Check  string `json:"check"`
	Status Status `json:"status"`
	// Message says what was found.
	Message string `json:"message"`
	// Fix says what to do; "" when nothing needs doing.
	Fix string `json:"fix,omitempty"`
}

// Report is every finding of a run, in the order of the checks.
type Report struct {
	Findings []Finding `json:"findings"`
}

// Add appends findings.
func (r *Report) Add(f ...Finding) { r.Findings = append(r.Findings, f...) }

// Failed reports whether a finding says a command would fail.
func (r *Report) Failed() bool {
	for _, f := range r.Findings {
		if f.Status == Fail {
			return true
		}
	}
	return false
}

// WriteJSON prints the report as one JSON object with "ok" (no failure)
// and "findings".
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		OK       bool      `json:"ok"`
		Findings []Finding `json:"findings"`
	}{!r.Failed(), clipped(r.Findings)}
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// WriteText prints one line per finding ("ok   check: message"), the fix
// indented below it, and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	counts := map[Status]int{}
	for _, f := range r.Findings {
		counts[f.Status]++
	}
	for _, f := range clipped(bounded(r.Findings)) {
		fmt.Fprintf(&b, "%-4s  %s: %s\n", f.Status, f.Check, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(&b, "      fix: %s\n", f.Fix)
		}
	}
	switch {
	case counts[Fail] > 0:
		fmt.Fprintf(&b, "\n%d problem(s) would make credo commands fail, %d warning(s).\n", counts[Fail], counts[Warn])
	case counts[Warn] > 0:
		fmt.Fprintf(&b, "\nNothing would make a command fail; %d warning(s).\n", counts[Warn])
	default:
		b.WriteString("\nEverything checked is fine.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Bounds of what a report prints, whatever the set-up (a 1 MB profile
// name, a config with thousands of broken profiles).
const (
	maxText     = 1024 // bytes of a message or a fix
	maxSameKind = 20   // findings of one check and status in the text
)

// clipped returns the findings with each message and fix cut to maxText
// bytes (at a character boundary).
func clipped(fs []Finding) []Finding {
	out := make([]Finding, len(fs))
	for i, f := range fs {
		f.Message, f.Fix = clipText(f.Message), clipText(f.Fix)
		out[i] = f
	}
	return out
}

func clipText(s string) string {
	if len(s) <= maxText {
		return s
	}
	cut := maxText - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// bounded keeps the first maxSameKind findings of each check and status
// and puts one line with the count in place of the others.
func bounded(fs []Finding) []Finding {
	type kind struct {
		check  string
		status Status
	}
	total := map[kind]int{}
	for _, f := range fs {
		total[kind{f.Check, f.Status}]++
	}
	seen := map[kind]int{}
	var out []Finding
	for _, f := range fs {
		k := kind{f.Check, f.Status}
		seen[k]++
		switch n := seen[k]; {
		case n <= maxSameKind:
			out = append(out, f)
		case n == maxSameKind+1:
			out = append(out, Finding{Check: f.Check, Status: f.Status,
				Message: fmt.Sprintf("... and %d more like these (credo doctor --json lists them all)", total[k]-maxSameKind)})
		}
	}
	return out
}
