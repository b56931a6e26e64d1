// Package sso signs in to IAM Identity Center (AWS SSO) the way the AWS CLI
// v2 does, shares its token cache (~/.aws/sso/cache/<sha1>.json), and gets
// role credentials with GetRoleCredentials.
//
// The access token, the refresh token and the client secret are secrets:
// they go to the token cache file (0600) and to the SSO services, never to
// argv, logs or errors. docs/sso.md describes the rules; the package is part
// of credo's implementation, not a public API.
package sso

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/xdg"
)

// Token is one token cache file of the AWS CLI v2. Times are UTC; a zero
// time is absent.
type Token struct {
	StartURL              string
	Region                string
	AccessToken           string
	ExpiresAt             time.Time
	ClientID              string
	ClientSecret          string
	RegistrationExpiresAt time.Time
	RefreshToken          string

	// other holds the file's keys credo does not know, written back as they were.
	other map[string]json.RawMessage
}

// String never shows a secret.
func (t Token) String() string {
	return fmt.Sprintf("sso token for %s (region %s, expires %s)", t.StartURL, t.Region, t.ExpiresAt.Format(time.RFC3339))
}

// Valid reports whether the access token is still good at now plus margin.
func (t *Token) Valid(now time.Time, margin time.Duration) bool {
	return t.AccessToken != "" && t.ExpiresAt.After(now.Add(margin))
}

// CanRefresh reports whether the token holds a refresh token and a client
// registration still valid at now plus margin.
func (t *Token) CanRefresh(now time.Time, margin time.Duration) bool {
	return t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" &&
		t.RegistrationExpiresAt.After(now.Add(margin))
}

// CacheKey is what names a profile's token cache file, as the AWS CLI v2
// does: the sso-session name for sso_session profiles, else the start URL
// (legacy sso_start_url profiles).
func CacheKey(p *config.Profile) string {
	if p.SSOSession != "" {
		return p.SSOSession
	}
	return p.SSOStartURL
}

// CacheFileName is the file name for key: the hex SHA-1 of key plus ".json".
func CacheFileName(key string) string {
	h := sha1.Sum([]byte(key))
	return hex.EncodeToString(h[:]) + ".json"
}

// DefaultCacheDir is ~/.aws/sso/cache, home being HOME, else USERPROFILE.
func DefaultCacheDir(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	home := xdg.Home(getenv)
	if home == "" {
		return "", errors.New("sso token cache: HOME is not set")
	}
	return filepath.Join(home, ".aws", "sso", "cache"), nil
}

// Field names of the cache file, as the AWS CLI writes them.
const (
	fStartURL     = "startUrl"
	fRegion       = "region"
	fAccessToken  = "accessToken"
	fExpiresAt    = "expiresAt"
	fClientID     = "clientId"
	fClientSecret = "clientSecret"
	fRegExpiresAt = "registrationExpiresAt"
	fRefreshToken = "refreshToken"
)

// ReadToken reads a token cache file. It accepts what the AWS CLI writes
// (v1's "2019-11-14T04:05:45UTC" times too) and keeps keys it does not
// know. A missing file is an error wrapping fs.ErrNotExist. Errors never
// quote the file's content.
func ReadToken(path string) (Token, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Token{}, fmt.Errorf("sso token cache: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Token{}, fmt.Errorf("sso token cache %s: not a JSON object", path)
	}
	var t Token
	str := func(k string) string {
		v, ok := raw[k]
		if !ok {
			return ""
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return ""
		}
		return s
	}
	t.StartURL = str(fStartURL)
	t.Region = str(fRegion)
	t.AccessToken = str(fAccessToken)
	t.ClientID = str(fClientID)
	t.ClientSecret = str(fClientSecret)
	t.RefreshToken = str(fRefreshToken)
	if s := str(fExpiresAt); s != "" {
		if t.ExpiresAt, err = parseTime(s); err != nil {
			return Token{}, fmt.Errorf("sso token cache %s: expiresAt: %w", path, err)
		}
	}
	if s := str(fRegExpiresAt); s != "" {
		if t.RegistrationExpiresAt, err = parseTime(s); err != nil {
			// Only the registration is lost: sign in again when needed.
			t.RegistrationExpiresAt = time.Time{}
		}
	}
	for _, k := range []string{fStartURL, fRegion, fAccessToken, fExpiresAt, fClientID, fClientSecret, fRegExpiresAt, fRefreshToken} {
		delete(raw, k)
	}
	if len(raw) > 0 {
		t.other = raw
	}
	return t, nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
}

// formatTime writes a time as the AWS CLI v2 does: RFC 3339, UTC, seconds.
func formatTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// WriteToken writes t to path (0600), creating its folder (0700). It writes
// a temporary file beside it and renames it, so a reader never sees half a
// file.
func WriteToken(path string, t Token) error {
	obj := map[string]any{}
	for k, v := range t.other {
		obj[k] = v
	}
	set := func(k, v string) {
		if v != "" {
			obj[k] = v
		}
	}
	set(fStartURL, t.StartURL)
	set(fRegion, t.Region)
	set(fAccessToken, t.AccessToken)
	if !t.ExpiresAt.IsZero() {
		obj[fExpiresAt] = formatTime(t.ExpiresAt)
	}
	set(fClientID, t.ClientID)
	set(fClientSecret, t.ClientSecret)
	if !t.RegistrationExpiresAt.IsZero() {
		obj[fRegExpiresAt] = formatTime(t.RegistrationExpiresAt)
	}
	set(fRefreshToken, t.RefreshToken)
	data, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		return fmt.Errorf("sso token cache: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sso token cache: %w", err)
	}
	f, err := os.CreateTemp(dir, ".credo-*.tmp")
	if err != nil {
		return fmt.Errorf("sso token cache: %w", err)
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }()
	if err := f.Chmod(0o600); err != nil && !errors.Is(err, fs.ErrPermission) {
		_ = f.Close()
		return fmt.Errorf("sso token cache: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("sso token cache: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sso token cache: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sso token cache: %w", err)
	}
	return nil
}

// redact removes every secret of t from s (belt and braces for messages
// that quote a service's answer).
func redact(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}
