// Package prompt asks a person for an MFA code. Every driver talks to the
// person directly (the controlling terminal, a dialog, a YubiKey), never
// through standard input or output, which credential_process captures.
package prompt

import "context"

// Prompter returns a one-time code for the MFA device serial, asking with
// the given message.
type Prompter interface {
	MFACode(ctx context.Context, serial, message string) (string, error)
}
