//go:build linux

package memstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/credo-cli/credo/pkg/keystore/item"
)

// perm is every key's permission mask: everything for its possessors (the
// processes of the login whose session keyring links credo's keyring), and
// for other processes of the user only the right to see that it exists.
const perm = 0x3f010000

// Store is credo's keyring in the session keyring. The zero value is ready:
// reads search from the session keyring and create nothing; the first write
// creates credo's keyring.
type Store struct {
	ring int
}

func unavailable(what string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
}

// find returns the serial of credo's keyring linked in the session keyring,
// or 0.
func find() (int, error) {
	session, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
	if err != nil {
		return 0, unavailable("session keyring", err)
	}
	for _, id := range members(session) {
		desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
		if err != nil {
			continue
		}
		// type;uid;gid;perm;description
		f := strings.SplitN(desc, ";", 5)
		if len(f) == 5 && f[0] == "keyring" && f[4] == RingName {
			return id, nil
		}
	}
	return 0, nil
}

// members lists the serials a keyring links.
func members(ring int) []int {
	buf := make([]byte, 256)
	for {
		n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, ring, buf, 0)
		if err != nil {
			return nil
		}
		if n <= len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, n)
	}
	out := make([]int, 0, len(buf)/4)
	for i := 0; i+4 <= len(buf); i += 4 {
		out = append(out, int(int32(binary.NativeEndian.Uint32(buf[i:]))))
	}
	return out
}

// ensure finds or creates credo's keyring.
func (s *Store) ensure() (int, error) {
	if s.ring != 0 {
		return s.ring, nil
	}
	id, err := find()
	if err != nil {
		return 0, err
	}
	if id == 0 {
		// add_key of a keyring that exists with this description in the
		// session keyring returns the existing one: two processes creating
		// it at once share it.
		if _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, true); err != nil {
			return 0, unavailable("session keyring", err)
		}
		if id, err = unix.AddKey("keyring", RingName, nil, unix.KEY_SPEC_SESSION_KEYRING); err != nil {
			return 0, unavailable("creating credo's keyring", err)
		}
		if err := unix.KeyctlSetperm(id, perm); err != nil {
			return 0, unavailable("closing credo's keyring", err)
		}
	}
	s.ring = id
	return id, nil
}

// search finds a key of credo's by description, from the session keyring.
func search(desc string) (int, bool) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_SESSION_KEYRING, "user", desc, 0)
	return id, err == nil
}

// read returns a key's payload.
func read(id int) ([]byte, error) {
	buf := make([]byte, 4096)
	for {
		n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
		if err != nil {
			return nil, err
		}
		if n <= len(buf) {
			return buf[:n], nil
		}
		buf = make([]byte, n)
	}
}

// put adds (or replaces) a key in credo's keyring, with a timeout.
func (s *Store) put(desc string, data []byte, ttl time.Duration) error {
	ring, err := s.ensure()
	if err != nil {
		return err
	}
	id, err := unix.AddKey("user", desc, data, ring)
	if err != nil {
		if errors.Is(err, unix.EDQUOT) {
			return unavailable("the user's kernel key quota is full", err)
		}
		return unavailable("storing", err)
	}
	if err := unix.KeyctlSetperm(id, perm); err != nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_UNLINK, id, ring, 0, 0)
		return unavailable("closing a key", err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, int(ttlSeconds(ttl)), 0, 0); err != nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_UNLINK, id, ring, 0, 0)
		return unavailable("setting a timeout", err)
	}
	return nil
}

// FindSession returns the session of profile and cacheKey held for
// namespace ns if it is still valid after notAfter; an error wrapping
// item.ErrNotFound when there is none.
func (s *Store) FindSession(ns, profile, cacheKey string, notAfter time.Time) (item.Session, error) {
	id, ok := search(sessionDesc(ns, profile, cacheKey))
	if !ok {
		return item.Session{}, fmt.Errorf("profile %q: no session in memory: %w", profile, item.ErrNotFound)
	}
	data, err := read(id)
	if err != nil {
		return item.Session{}, fmt.Errorf("profile %q: no session in memory: %w", profile, item.ErrNotFound)
	}
	p, ok := decodeSession(data)
	if !ok || p.Profile != profile || p.CacheKey != cacheKey || !p.Expiration.After(notAfter) {
		return item.Session{}, fmt.Errorf("profile %q: no session in memory: %w", profile, item.ErrNotFound)
	}
	return p.Session, nil
}

// SetSession holds sess for profile and cacheKey in namespace ns until it
// expires (measured from now), replacing the one held before.
func (s *Store) SetSession(ns, profile, cacheKey string, sess item.Session, now time.Time) error {
	data, err := encodeSession(profile, cacheKey, sess)
	if err != nil {
		return err
	}
	return s.put(sessionDesc(ns, profile, cacheKey), data, sess.Expiration.Sub(now))
}

// RemoveSession forgets the session of profile and cacheKey in ns.
func (s *Store) RemoveSession(ns, profile, cacheKey string) error {
	id, ok := search(sessionDesc(ns, profile, cacheKey))
	if !ok {
		return fmt.Errorf("profile %q: no session in memory: %w", profile, item.ErrNotFound)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err != nil {
		return unavailable("removing", err)
	}
	return nil
}

// Sessions lists the sessions held for namespace ns.
func (s *Store) Sessions(ns string) ([]Entry, error) {
	ring, err := find()
	if err != nil || ring == 0 {
		return nil, err
	}
	var out []Entry
	for _, id := range members(ring) {
		desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
		if err != nil {
			continue
		}
		f := strings.SplitN(desc, ";", 5)
		if len(f) != 5 || f[0] != "user" || !isSession(f[4], ns+":") {
			continue
		}
		data, err := read(id)
		if err != nil {
			continue
		}
		if p, ok := decodeSession(data); ok {
			out = append(out, Entry{Profile: p.Profile, CacheKey: p.CacheKey, Session: p.Session})
		}
	}
	return out, nil
}

// UnlockedKey returns the key of the unlocked keyring id and extends its
// life to ttl from now; found is false when it is not unlocked.
func (s *Store) UnlockedKey(id string, ttl time.Duration) ([]byte, bool, error) {
	k, ok := search(unlockPrefix + id)
	if !ok {
		return nil, false, nil
	}
	data, err := read(k)
	if err != nil {
		return nil, false, nil
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, k, int(ttlSeconds(ttl)), 0, 0); err != nil {
		return nil, false, unavailable("extending an unlock", err)
	}
	return data, true, nil
}

// PutUnlockedKey holds key as the unlocked keyring id for ttl.
func (s *Store) PutUnlockedKey(id string, key []byte, ttl time.Duration) error {
	return s.put(unlockPrefix+id, key, ttl)
}

// Lock forgets every session and unlocked keyring held in memory for this
// login (credo lock).
func Lock() (Stats, error) {
	ring, err := find()
	if err != nil || ring == 0 {
		return Stats{}, err
	}
	var st Stats
	for _, id := range members(ring) {
		desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
		if err != nil {
			continue
		}
		f := strings.SplitN(desc, ";", 5)
		if len(f) != 5 {
			continue
		}
		switch {
		case strings.HasPrefix(f[4], sessionPrefix):
			st.Sessions++
		case strings.HasPrefix(f[4], unlockPrefix):
			st.Unlocked++
		}
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_CLEAR, ring, 0, 0, 0); err != nil {
		return Stats{}, unavailable("clearing", err)
	}
	return st, nil
}
