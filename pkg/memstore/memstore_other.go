//go:build !linux

package memstore

import (
	"fmt"
	"runtime"
	"time"

	"github.com/credo-cli/credo/pkg/keystore/item"
)

// Store is unavailable on this system: every call reports ErrUnavailable,
// and credo keeps sessions in its keyring (see docs/architecture.md for the
// way to an agent here).
type Store struct {
	// CreateLock is unused here (see the Linux store).
	CreateLock func(key string) (unlock func(), err error)
}

func unavailable() error {
	return fmt.Errorf("%w: no kernel key store on %s", ErrUnavailable, runtime.GOOS)
}

func (s *Store) FindSession(ns, profile, cacheKey string, notAfter time.Time) (item.Session, error) {
	return item.Session{}, unavailable()
}

func (s *Store) SetSession(ns, profile, cacheKey string, sess item.Session, now time.Time) error {
	return unavailable()
}

func (s *Store) RemoveSession(ns, profile, cacheKey string) error { return unavailable() }

func (s *Store) Sessions(ns string) ([]Entry, error) { return nil, unavailable() }

func (s *Store) UnlockedKey(id string, ttl time.Duration) ([]byte, bool, error) {
	return nil, false, unavailable()
}

func (s *Store) PutUnlockedKey(id string, key []byte, ttl time.Duration) error { return unavailable() }

// Lock has nothing to forget on this system.
func Lock() (Stats, error) { return Stats{}, nil }
