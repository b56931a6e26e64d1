package config

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/credo-cli/credo/pkg/hint"
)

// Kinds of configuration problems. Every *Error unwraps to one of them, so
// callers can test with errors.Is.
var (
	// ErrSyntax is a line of a file that does not parse.
	ErrSyntax = errors.New("syntax error")
	// ErrInvalid is a key whose value breaks the rules for that key.
	ErrInvalid = errors.New("invalid value")
	// ErrNotFound is a profile, sso-session or services section that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCycle is a source_profile chain that comes back to a profile it passed.
	ErrCycle = errors.New("source_profile cycle")
	// ErrNoSource is a role_arn without source_profile, credential_source
	// or web_identity_token_file.
	ErrNoSource = errors.New("role_arn with no source")
	// ErrTooLong is a source_profile chain of more than MaxChain profiles.
	ErrTooLong = errors.New("source_profile chain too long")
)

// Error is one problem in the config or credentials file. Its message starts
// with the position ("file:line: "), then the profile, then what is wrong.
type Error struct {
	Pos     Pos      // where the offending line is
	Profile string   // the profile the problem belongs to; "" for a file-level problem
	Chain   []string // the profiles walked from the target, for chain problems
	Msg     string   // what is wrong, without position or profile
	Hint    string   // what to do about it, or ""
	Kind    error    // ErrSyntax, ErrInvalid, ErrNotFound, ErrCycle or ErrNoSource
}

// Error formats the problem as "file:line: profile \"name\": message (chain a -> b)".
func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Profile != "" {
		b.WriteString("profile ")
		b.WriteString(q(e.Profile))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if len(e.Chain) > 1 {
		b.WriteString(" (chain ")
		b.WriteString(chainString(e.Chain))
		b.WriteString(")")
	}
	return b.String()
}

// Bounds of a message: a chain shows its first and last few profiles, and
// a name is cut to maxName bytes, so that no config makes a message long.
const (
	chainHead = 4
	chainTail = 2
	maxName   = 64
)

// chainString is "a -> b -> ... -> z" with long chains and names cut.
func chainString(names []string) string {
	parts := make([]string, 0, chainHead+chainTail+1)
	if len(names) <= chainHead+chainTail+1 {
		for _, n := range names {
			parts = append(parts, Clip(n))
		}
		return strings.Join(parts, " -> ")
	}
	for _, n := range names[:chainHead] {
		parts = append(parts, Clip(n))
	}
	parts = append(parts, "... "+strconv.Itoa(len(names)-chainHead-chainTail)+" more ...")
	for _, n := range names[len(names)-chainTail:] {
		parts = append(parts, Clip(n))
	}
	return strings.Join(parts, " -> ")
}

// Clip cuts a name longer than 64 bytes (at a character boundary) to its
// start and "...", for messages and tables.
func Clip(s string) string { return clipTo(s, maxName) }

func clipTo(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// Unwrap returns the kind of the problem.
func (e *Error) Unwrap() error { return e.Kind }

// hinted returns e with its hint attached through package hint, or e itself.
func (e *Error) hinted() error {
	if e.Hint == "" {
		return e
	}
	return hint.Wrap(e, e.Hint)
}

// Errors is every problem Load found, in file order (config file first).
// Error() puts one problem on each line.
type Errors []*Error

// Error joins the messages with newlines.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap gives errors.Is and errors.As access to each problem (with its hint).
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e.hinted()
	}
	return out
}

// asError returns nil for no problems, the problem itself (with its hint)
// for one, and Errors for more.
func asError(es []*Error) error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0].hinted()
	}
	return Errors(es)
}

// q quotes user text for a message, escaping quotes and control characters.
// q quotes a name or value for a message, cut to 128 bytes.
func q(s string) string { return strconv.Quote(clipTo(s, 2*maxName)) }
