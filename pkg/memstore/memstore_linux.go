//go:build linux

package memstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
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
	// CreateLock, when set, is held while credo's keyring is created (credo
	// passes its single-flight lock). add_key of a keyring does not return
	// one of the same name already linked: it makes a new one that replaces
	// the link, so two processes creating credo's keyring at once would
	// each make one, and the keys put into the first would be lost with it.
	CreateLock func(key string) (unlock func(), err error)

	ring int
}

// beforeCreate, when set (by tests), runs just before credo's keyring is
// created.
var beforeCreate func()

func unavailable(what string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
}

// find returns the serials of the session keyring credo keeps its keyring
// in and of credo's keyring linked there (0 when there is none).
func find() (session, ring int, err error) {
	session, err = sessionKeyring()
	if err != nil {
		return 0, 0, err
	}
	for _, id := range members(session) {
		if f, ok := describe(id); ok && f[0] == "keyring" && f[4] == RingName && ownedByUs(f) {
			return session, id, nil
		}
	}
	return session, 0, nil
}

// sessionKeyring returns the serial of the session keyring. A process
// without one of its own (a login without pam_keyinit, a container) has the
// user session keyring: per user, so still this user's alone, and the same
// one for every thread. (Asking for KEY_SPEC_SESSION_KEYRING with "create"
// would instead give the calling thread an anonymous keyring of its own,
// which dies with the process: sessions stored there were lost, and every
// command went back to STS without a word.) The keyring must be this
// user's: a session keyring another user owns, such as the one a system
// service like sshd starts with, is shared by every login through that
// service where pam_keyinit does not replace it, so other users' processes
// would possess credo's keys.
func sessionKeyring() (int, error) {
	id, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
	if err != nil {
		return 0, unavailable("session keyring", err)
	}
	f, ok := describe(id)
	if !ok {
		return 0, unavailable("session keyring", errors.New("cannot describe it"))
	}
	if !ownedByUs(f) {
		return 0, unavailable("session keyring", fmt.Errorf("it belongs to uid %s, not to this user, and other users' logins may share it (pam_keyinit gives each login its own)", f[1]))
	}
	return id, nil
}

// describe returns a key's type, uid, gid, permissions and description.
func describe(id int) ([]string, bool) {
	desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
	if err != nil {
		return nil, false
	}
	f := strings.SplitN(desc, ";", 5)
	return f, len(f) == 5
}

// ownedByUs reports whether a described key belongs to this user.
func ownedByUs(f []string) bool {
	return f[1] == strconv.Itoa(os.Geteuid())
}

// ours reports whether the key id belongs to this user: a key found by a
// search from the session keyring may have been linked there by someone
// else.
func ours(id int) bool {
	f, ok := describe(id)
	return ok && ownedByUs(f)
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
	session, id, err := find()
	if err != nil {
		return 0, err
	}
	if id == 0 && s.CreateLock != nil {
		// Under the lock, look again: another process may have made it.
		if unlock, err := s.CreateLock("memory keyring " + strconv.Itoa(session)); err == nil {
			defer unlock()
			if session, id, err = find(); err != nil {
				return 0, err
			}
		}
	}
	if id == 0 {
		if beforeCreate != nil {
			beforeCreate()
		}
		if id, err = unix.AddKey("keyring", RingName, nil, session); err != nil {
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
	if !ok || !ours(id) {
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
	_, ring, err := find()
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
	if !ok || !ours(k) {
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
	_, ring, err := find()
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
