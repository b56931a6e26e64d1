// Package hint attaches a suggestion for the user to an error. credo prints
// the error as "credo: <error>" and the hint as a second line
// "credo: hint: <hint>".
package hint

import "errors"

type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// Wrap returns err with a hint attached; nil stays nil.
func Wrap(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: hint}
}

// New returns an error with the message msg and a hint.
func New(msg, hint string) error { return Wrap(errors.New(msg), hint) }

// Of returns the outermost hint attached to err, or "".
func Of(err error) string {
	var h *hinted
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}
