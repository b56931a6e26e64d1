package keystore

import (
	"errors"
	"time"

	"github.com/credo-cli/credo/pkg/memstore"
)

// SessionMemory holds cached sessions in memory, outside any keyring
// backend: *memstore.Store.
type SessionMemory interface {
	FindSession(ns, profile, cacheKey string, notAfter time.Time) (Session, error)
	SetSession(ns, profile, cacheKey string, s Session, now time.Time) error
	RemoveSession(ns, profile, cacheKey string) error
	Sessions(ns string) ([]memstore.Entry, error)
}

// Sessions held in memory.
//
// A session is looked for in memory first: a hit touches no backend at all
// (no gpg, no D-Bus, no file). A new session goes to memory; when memory
// fails (another system, a container that forbids the kernel's key calls,
// a full quota, a keyring revoked mid-run) it goes to the backend, as it
// did before, and --debug says why once. Sessions a backend already holds
// (from before, or from such a fallback) are still found there.

// memUnusable turns memory off for the rest of the process.
func (s *store) memUnusable(err error) {
	if s.memOff.CompareAndSwap(false, true) {
		s.log.Debug("sessions are kept in the keyring, not in memory", "backend", s.backend, "reason", err)
	}
}

func (s *store) memFind(profile, cacheKey string, notAfter time.Time) (Session, bool) {
	if s.mem == nil || s.memOff.Load() {
		return Session{}, false
	}
	sess, err := s.mem.FindSession(s.ns, profile, cacheKey, notAfter)
	if err == nil {
		s.log.Debug("session held in memory", "profile", profile)
		return sess, true
	}
	if !errors.Is(err, ErrNotFound) {
		s.memUnusable(err)
	}
	return Session{}, false
}

// memSet reports whether the session is now held in memory.
func (s *store) memSet(profile, cacheKey string, sess Session) bool {
	if s.mem == nil || s.memOff.Load() {
		return false
	}
	if err := s.mem.SetSession(s.ns, profile, cacheKey, sess, s.now()); err != nil {
		s.memUnusable(err)
		return false
	}
	return true
}

// memSessions lists the sessions held in memory (of profile, or all).
func (s *store) memSessions(profile string) []SessionRef {
	out := []SessionRef{}
	if s.mem == nil || s.memOff.Load() {
		return out
	}
	entries, err := s.mem.Sessions(s.ns)
	if err != nil {
		s.memUnusable(err)
		return out
	}
	for _, e := range entries {
		if profile == "" || e.Profile == profile {
			out = append(out, SessionRef{Profile: e.Profile, CacheKey: e.CacheKey, Expiration: e.Session.Expiration, inMemory: true})
		}
	}
	return out
}
