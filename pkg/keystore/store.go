// Package keystore is credo's one door to the OS keyring: the only package
// that imports github.com/99designs/keyring. It stores typed items, long-term
// keys and cached sessions, under versioned item names so that the format can
// change later.
package keystore

import (
	"time"

	"github.com/credo-cli/credo/pkg/keystore/item"
)

// ErrNotFound is returned (wrapped) when an item does not exist; it is
// item.ErrNotFound, so errors.Is matches across both packages.
var ErrNotFound = item.ErrNotFound

// ErrCorrupt is returned (wrapped, with a hint naming the repair command)
// when a stored item cannot be read: garbage bytes, an unknown format
// version, invalid JSON. Other items keep working, and RemoveKey and
// RemoveSession delete such an item without reading it. It is
// item.ErrCorrupt.
var ErrCorrupt = item.ErrCorrupt

// ErrWrongPassphrase is returned (wrapped) when the file backend's
// passphrase does not decrypt its items. It is item.ErrWrongPassphrase.
var ErrWrongPassphrase = item.ErrWrongPassphrase

// LongTermKey is an IAM user's access key, as stored by `credo add`.
type LongTermKey = item.LongTermKey

// Session is a cached set of temporary credentials.
type Session = item.Session

// SessionRef names a cached session without decrypting it: item names carry
// the profile, the cache key and the expiry.
type SessionRef struct {
	Profile    string    // the profile whose step produced the session
	CacheKey   string    // hex digest of everything that changes the result
	Expiration time.Time // when the credentials expire
	item       string
	seg        string // the profile's segment in the item name
	inMemory   bool   // held in memory (see Config.Memory), not in the keyring
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
