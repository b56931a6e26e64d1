// Package item holds what every reader of credo's keystore shares: the item
// types (LongTermKey, Session), the errors, the JSON format inside items and
// the item names. It imports only the standard library and pkg/hint, so that
// credo's lean front binary can read the file backend (package filefast)
// without linking github.com/99designs/keyring; package keystore re-exports
// the types and errors under its own names.
//
// It is part of credo's implementation, not a public API.
package item

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/credo-cli/credo/pkg/hint"
)

// ErrNotFound is returned (wrapped) when an item does not exist.
var ErrNotFound = errors.New("not found")

// ErrCorrupt is returned (wrapped, with a hint naming the repair command)
// when a stored item cannot be read: garbage bytes, an unknown format
// version, invalid JSON. Other items keep working, and removing such an item
// does not read it.
var ErrCorrupt = errors.New("unreadable item")

// ErrWrongPassphrase is returned (wrapped) when the file backend's
// passphrase does not decrypt its items.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// LongTermKey is an IAM user's access key, as stored by `credo add`.
type LongTermKey struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	Added           time.Time `json:"Added"`
}

// Session is a cached set of temporary credentials.
type Session struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`
}

// FormatVersion is the version of the JSON inside every item (the item
// names carry it too, as "v1/").
const FormatVersion = 1

// KeyPayload is the JSON of a long-term key item.
type KeyPayload struct {
	Version int `json:"Version"`
	// Profile names the profile, for item names that hold only a hash of
	// it (see ProfileSegment); written always, read only for those.
	Profile string `json:"Profile,omitempty"`
	LongTermKey
}

// SessionPayload is the JSON of a cached session item.
type SessionPayload struct {
	Version int `json:"Version"`
	// Profile is as in KeyPayload.
	Profile string `json:"Profile,omitempty"`
	Session
}

// DecodePayload decodes an item's JSON into v (a *KeyPayload or
// *SessionPayload) and returns "" or what is wrong with it.
func DecodePayload(data []byte, v any) string {
	var hdr struct {
		Version *int `json:"Version"`
	}
	if err := json.Unmarshal(data, &hdr); err != nil {
		return "invalid JSON"
	}
	if hdr.Version == nil {
		return "no format version"
	}
	if *hdr.Version != FormatVersion {
		return fmt.Sprintf("format version %d is not supported (this credo reads version %d)", *hdr.Version, FormatVersion)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return "invalid JSON"
	}
	return ""
}

// BadDataError is a backend's answer for an item whose bytes cannot be
// decoded (before the JSON is looked at); Corrupt turns it into the error
// the user sees.
type BadDataError struct{ Detail string }

func (e *BadDataError) Error() string { return e.Detail }

// corruptError is an item that cannot be read.
type corruptError struct{ profile, what, detail string }

func (e *corruptError) Error() string {
	return fmt.Sprintf("profile %q: %s is unreadable: %s", e.profile, e.what, e.detail)
}

func (e *corruptError) Is(target error) bool { return target == ErrCorrupt }

// Corrupt returns the error for an unreadable item of profile: what is
// "stored key", "cached session" or "key rotation journal", detail says what is wrong. The error
// matches ErrCorrupt and carries a hint naming the command that repairs it.
func Corrupt(profile, what, detail string) error {
	err := &corruptError{profile: profile, what: what, detail: detail}
	if what == "key rotation journal" {
		return hint.Wrap(err, fmt.Sprintf("check the user's access keys in the IAM console, then run \"credo remove %s\" and \"credo add %s\" with a key that works", ShellQuote(profile), ShellQuote(profile)))
	}
	if what == "stored key" {
		return hint.Wrap(err, fmt.Sprintf("run \"credo remove %s\" to delete it, then \"credo add %s\" to store the key again", ShellQuote(profile), ShellQuote(profile)))
	}
	return hint.Wrap(err, fmt.Sprintf("run \"credo clear %s\" to delete the cached sessions", ShellQuote(profile)))
}

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./@+=:,", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
