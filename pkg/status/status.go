// Package status describes the credentials of the current shell, as
// `credo exec` or an evaluated `credo export` left them in the environment:
// the profile, the role, the expiration and the time left. It reads the
// environment only (no keyring, no file, no network) and imports only the
// standard library, so that the lean front binary answers `credo status`
// itself, fast enough for every shell prompt.
package status

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Formats lists the output formats of `credo status`.
var Formats = []string{"text", "json", "prompt"}

// ValidFormat reports whether f is a status format.
func ValidFormat(f string) bool { return slices.Contains(Formats, f) }

// ErrNone is returned when the environment holds no credentials from credo.
var ErrNone = errors.New("no credentials from credo in this shell (CREDO_PROFILE is not set)")

// The variables status reads.
const (
	varProfile    = "CREDO_PROFILE"
	varRole       = "CREDO_ROLE_ARN"
	varExpiration = "AWS_CREDENTIAL_EXPIRATION"
	varServer     = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	varIMDS       = "AWS_EC2_METADATA_SERVICE_ENDPOINT"
)

// Status is what the environment says about this shell's credentials.
type Status struct {
	Profile string
	RoleARN string
	// Expiration is zero when the credentials do not expire (long-term
	// keys) or are refreshed by a local endpoint (exec --server).
	Expiration time.Time
	// Remaining is the time left; 0 once expired.
	Remaining time.Duration
	// Refreshed is true inside exec --server or --ec2-server, where the
	// local endpoint hands out fresh credentials as they expire.
	Refreshed bool
}

// Read returns the status found through getenv, or ErrNone.
func Read(getenv func(string) string, now time.Time) (Status, error) {
	s := Status{Profile: getenv(varProfile), RoleARN: getenv(varRole)}
	if s.Profile == "" {
		return Status{}, ErrNone
	}
	s.Refreshed = getenv(varServer) != "" || getenv(varIMDS) != ""
	if exp := getenv(varExpiration); exp != "" && !s.Refreshed {
		t, err := time.Parse(time.RFC3339, exp)
		if err != nil {
			return Status{}, fmt.Errorf("%s: %q is not an RFC 3339 time", varExpiration, exp)
		}
		s.Expiration = t.UTC()
		if left := t.Sub(now); left > 0 {
			s.Remaining = left.Truncate(time.Second)
		}
	}
	return s, nil
}

// Write prints s in format ("text", "json" or "prompt").
func Write(w io.Writer, format string, s Status) error {
	var b strings.Builder
	switch format {
	case "json":
		out := struct {
			Profile          string  `json:"profile"`
			RoleARN          string  `json:"role_arn"`
			Expiration       *string `json:"expiration"`
			RemainingSeconds *int64  `json:"remaining_seconds"`
		}{Profile: s.Profile, RoleARN: s.RoleARN}
		if !s.Expiration.IsZero() {
			exp := s.Expiration.Format(time.RFC3339)
			secs := int64(s.Remaining / time.Second)
			out.Expiration, out.RemainingSeconds = &exp, &secs
		}
		data, err := json.Marshal(out)
		if err != nil {
			return err
		}
		b.Write(data)
		b.WriteByte('\n')
	case "prompt":
		b.WriteString(s.Profile)
		switch {
		case s.Refreshed:
		case s.Expiration.IsZero():
		case s.Remaining == 0:
			b.WriteString(" (expired)")
		default:
			b.WriteString(" (" + Short(s.Remaining) + ")")
		}
	default:
		b.WriteString("profile:    " + s.Profile + "\n")
		if s.RoleARN != "" {
			b.WriteString("role:       " + s.RoleARN + "\n")
		}
		switch {
		case s.Refreshed:
			b.WriteString("expiration: none (refreshed by credo's local endpoint)\n")
		case s.Expiration.IsZero():
			b.WriteString("expiration: none (long-term keys)\n")
		case s.Remaining == 0:
			b.WriteString("expiration: " + s.Expiration.Format(time.RFC3339) + " (expired)\n")
		default:
			b.WriteString("expiration: " + s.Expiration.Format(time.RFC3339) + " (" + Short(s.Remaining) + " left)\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Short prints a duration for a prompt: 2h05m, 47m, 59s.
func Short(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	default:
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
}

// Run is `credo status --format format`: it prints the status on stdout
// and returns 0, or prints one line on stderr and returns 1 (nothing on
// stdout) when this shell has no credentials from credo.
func Run(stdout, stderr io.Writer, format string, getenv func(string) string, now time.Time) int {
	s, err := Read(getenv, now)
	if err == nil {
		err = Write(stdout, format, s)
	}
	if err != nil {
		fmt.Fprintf(stderr, "credo: %v\n", err)
		return 1
	}
	return 0
}
