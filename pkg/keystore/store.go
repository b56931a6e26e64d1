// Package keystore is credo's one door to the OS keyring: the only package
// that imports github.com/99designs/keyring. It stores typed items, long-term
// keys and cached sessions, under versioned item names so that the format can
// change later.
package keystore

import (
	"errors"
	"time"
)

// ErrNotFound is returned (wrapped) when an item does not exist.
var ErrNotFound = errors.New("not found")

// ErrCorrupt is returned (wrapped, with a hint naming the repair command)
// when a stored item cannot be read: garbage bytes, an unknown format
// version, invalid JSON. Other items keep working, and RemoveKey and
// RemoveSession delete such an item without reading it.
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

// SessionRef names a cached session without decrypting it: item names carry
// the profile, the cache key and the expiry.
type SessionRef struct {
	Profile    string    // the profile whose step produced the session
	CacheKey   string    // hex digest of everything that changes the result
	Expiration time.Time // when the credentials expire
	item       string
}

// Store holds long-term keys and cached sessions.
type Store interface {
	// Backend names the keyring backend in use (file, secret-service, ...).
	Backend() string

	GetKey(profile string) (LongTermKey, error)
	SetKey(profile string, k LongTermKey) error
	RemoveKey(profile string) error
	// KeyProfiles lists the profiles with stored long-term keys, decrypting nothing.
	KeyProfiles() ([]string, error)

	// FindSession returns the newest cached session for profile and cacheKey
	// that is still valid at notAfter; ErrNotFound when none.
	FindSession(profile, cacheKey string, notAfter time.Time) (Session, error)
	SetSession(profile, cacheKey string, s Session) error
	// Sessions lists cached sessions (of one profile, or all when profile is
	// ""), decrypting nothing.
	Sessions(profile string) ([]SessionRef, error)
	RemoveSession(ref SessionRef) error
}
