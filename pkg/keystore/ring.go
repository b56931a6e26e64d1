package keystore

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/keyring"
	"github.com/gofrs/flock"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/keystore/item"
)

// staleTmpAge is how old a temporary item of an unfinished write must be
// before a later write deletes it. A write takes milliseconds; a temporary
// item this old belongs to a killed process.
const staleTmpAge = 10 * time.Minute

// fileLayout says where a file-based backend (file, pass) keeps an item, so
// that writes can be made atomic with a rename.
type fileLayout struct {
	dir  string
	path func(name string) string
}

// store implements Store on top of a keyring.Keyring.
type store struct {
	backend string
	kr      keyring.Keyring
	files   *fileLayout      // file and pass backends; nil for the others
	unlock  *unlocker        // file backend only: its passphrase and key
	reader  *filefast.Reader // file backend only: its reads
	now     func() time.Time

	// mem holds sessions in memory under the namespace ns; memOff is set
	// once it failed in this process.
	mem    SessionMemory
	ns     string
	memOff atomic.Bool
	log    *slog.Logger

	// mu serialises calls into kr: the file backend caches the passphrase
	// in an unsynchronised field.
	mu sync.Mutex
}

func (s *store) Backend() string { return s.backend }

// GetKey returns the long-term key of profile.
func (s *store) GetKey(profile string) (LongTermKey, error) {
	if err := checkProfile(profile); err != nil {
		return LongTermKey{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := s.get(keyName(profile))
	if errors.Is(err, ErrNotFound) {
		return LongTermKey{}, fmt.Errorf("profile %q: no stored key: %w", profile, ErrNotFound)
	}
	if err != nil {
		return LongTermKey{}, s.itemError(err, keyName(profile), profile, "stored key")
	}
	var p item.KeyPayload
	if detail := decodePayload(data, &p); detail != "" {
		return LongTermKey{}, corrupt(profile, "stored key", detail)
	}
	if p.AccessKeyID == "" || p.SecretAccessKey == "" {
		return LongTermKey{}, corrupt(profile, "stored key", "the key id or secret is missing")
	}
	return p.LongTermKey, nil
}

// SetKey stores (or replaces) the long-term key of profile.
func (s *store) SetKey(profile string, k LongTermKey) error {
	if err := checkProfile(profile); err != nil {
		return err
	}
	if k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return fmt.Errorf("profile %q: key id and secret must not be empty", profile)
	}
	data, err := json.Marshal(item.KeyPayload{Version: item.FormatVersion, Profile: profile, LongTermKey: k})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.put(keyName(profile), data); err != nil {
		return fmt.Errorf("profile %q: storing key: %w", profile, err)
	}
	s.tidy(nil)
	return nil
}

// RemoveKey deletes the long-term key of profile without reading it.
func (s *store) RemoveKey(profile string) error {
	if err := checkProfile(profile); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.remove(keyName(profile)); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("profile %q: no stored key: %w", profile, ErrNotFound)
		}
		return fmt.Errorf("profile %q: removing key: %w", profile, err)
	}
	return nil
}

// KeyProfiles lists the profiles with a stored key, sorted, reading names only.
func (s *store) KeyProfiles() ([]string, error) {
	s.mu.Lock()
	names, err := s.names()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, n := range names {
		p, hashed, ok := parseKeyName(n)
		if hashed {
			p, ok = s.profileOf(n)
		}
		if ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// profileOf reads the profile name from an item whose name holds only a
// hash of it (a profile name too long for item names): the one case where
// listing decrypts.
func (s *store) profileOf(name string) (string, bool) {
	s.mu.Lock()
	data, err := s.get(name)
	s.mu.Unlock()
	if err != nil {
		return "", false
	}
	var p struct{ Profile string }
	if json.Unmarshal(data, &p) != nil || p.Profile == "" || item.ProfileSegment(p.Profile) != strings.SplitN(name, "/", 4)[2] {
		return "", false
	}
	return p.Profile, true
}

// FindSession returns the cached session of profile and cacheKey that
// expires last, if it is still valid after notAfter. Only that one item is
// decrypted.
func (s *store) FindSession(profile, cacheKey string, notAfter time.Time) (Session, error) {
	if err := checkProfile(profile); err != nil {
		return Session{}, err
	}
	if sess, ok := s.memFind(profile, cacheKey, notAfter); ok {
		return sess, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// One rule for every backend, shared with the lean front binary.
	return item.FindSession(s.items(), profile, cacheKey, notAfter)
}

// SetSession stores a session, then drops the sessions it supersedes (same
// profile and cache key, earlier expiry) and every expired one.
func (s *store) SetSession(profile, cacheKey string, sess Session) error {
	if err := checkProfile(profile); err != nil {
		return err
	}
	if cacheKey == "" {
		return fmt.Errorf("profile %q: session cache key is empty", profile)
	}
	if sess.Expiration.IsZero() {
		return fmt.Errorf("profile %q: session has no expiration", profile)
	}
	if s.memSet(profile, cacheKey, sess) {
		return nil
	}
	data, err := json.Marshal(item.SessionPayload{Version: item.FormatVersion, Profile: profile, Session: sess})
	if err != nil {
		return err
	}
	name := sessionName(profile, cacheKey, sess.Expiration)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.put(name, data); err != nil {
		return fmt.Errorf("profile %q: storing session: %w", profile, err)
	}
	now := s.now()
	newExp := time.Unix(sess.Expiration.Unix(), 0)
	s.tidy(func(ref SessionRef) bool {
		if ref.item == name {
			return false
		}
		if !ref.Expiration.After(now) {
			return true
		}
		return ref.seg == item.ProfileSegment(profile) && ref.CacheKey == cacheKey && ref.Expiration.Before(newExp)
	})
	return nil
}

// Sessions lists cached sessions from their names, decrypting nothing.
func (s *store) Sessions(profile string) ([]SessionRef, error) {
	s.mu.Lock()
	names, err := s.names()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := s.memSessions(profile)
	seg := item.ProfileSegment(profile)
	for _, n := range names {
		ref, ok := parseSessionName(n)
		if !ok || (profile != "" && ref.seg != seg) {
			continue
		}
		if item.IsHashedSegment(ref.seg) {
			if ref.Profile, ok = s.profileOf(n); !ok {
				continue
			}
		}
		out = append(out, ref)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Profile != b.Profile {
			return a.Profile < b.Profile
		}
		if a.CacheKey != b.CacheKey {
			return a.CacheKey < b.CacheKey
		}
		return a.Expiration.Before(b.Expiration)
	})
	return out, nil
}

// RemoveSession deletes one cached session without reading it.
func (s *store) RemoveSession(ref SessionRef) error {
	if ref.inMemory {
		if err := s.mem.RemoveSession(s.ns, ref.Profile, ref.CacheKey); err != nil {
			return fmt.Errorf("profile %q: removing the session held in memory: %w", ref.Profile, err)
		}
		return nil
	}
	name := ref.item
	if name == "" {
		if err := checkProfile(ref.Profile); err != nil {
			return err
		}
		name = sessionName(ref.Profile, ref.CacheKey, ref.Expiration)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.remove(name); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("profile %q: no such cached session: %w", ref.Profile, ErrNotFound)
		}
		return fmt.Errorf("profile %q: removing cached session: %w", ref.Profile, err)
	}
	return nil
}

// names lists every item name of the backend (temporary ones included).
func (s *store) names() ([]string, error) { return s.namesWithPrefix("") }

// namesWithPrefix lists the item names that start with prefix. On the file
// backend it reads the folder itself, unsorted, and decodes only the
// matching file names: this is the hot path's listing, and the library's
// Keys sorts and decodes every entry. (It would also create a missing
// folder; listing must not write.)
func (s *store) namesWithPrefix(prefix string) ([]string, error) {
	if s.backend != BackendFile {
		all, err := s.kr.Keys()
		if err != nil {
			return nil, fmt.Errorf("%s keyring: listing items: %w", s.backend, err)
		}
		var out []string
		for _, n := range all {
			if strings.HasPrefix(n, prefix) {
				out = append(out, n)
			}
		}
		return out, nil
	}
	return filefast.Names(s.files.dir, prefix)
}

// items is where the store reads items: the file backend through
// filefast's Reader (which falls back to the library for what it does not
// decode), every other backend through the library (libItems).
func (s *store) items() item.Source {
	if s.reader != nil {
		return s.reader
	}
	return libItems{s}
}

// libItems reads items through 99designs/keyring.
type libItems struct{ s *store }

func (l libItems) Names(prefix string) ([]string, error) { return l.s.namesWithPrefix(prefix) }
func (l libItems) Get(name string) ([]byte, error)       { return l.s.libGet(name) }

// ItemError turns an error of Get into the error the user sees.
func (l libItems) ItemError(err error, _, profile, what string) error {
	var bad *item.BadDataError
	if errors.As(err, &bad) {
		return item.Corrupt(profile, what, bad.Detail)
	}
	var pe *passphraseError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("profile %q: reading %s: %w", profile, what, err)
}

// get returns the data of one item: ErrNotFound, an *item.BadDataError,
// filefast.ErrKeyUnwrap or another error (see itemError).
func (s *store) get(name string) ([]byte, error) { return s.items().Get(name) }

// libGet reads one item through the library, with its errors sorted as
// get's.
func (s *store) libGet(name string) ([]byte, error) {
	it, err := s.kr.Get(name)
	if err == nil {
		return it.Data, nil
	}
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	var pe *passphraseError
	var pathErr *fs.PathError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &pe):
		return nil, err
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return nil, &item.BadDataError{Detail: "invalid JSON"}
	case s.unlock == nil:
		return nil, fmt.Errorf("%s keyring: %w", s.backend, err)
	case errors.As(err, &pathErr):
		return nil, fmt.Errorf("file keyring: %w", err)
	case keyUnwrapFails(s.files.path(name), s.unlock.passphrase):
		return nil, filefast.ErrKeyUnwrap
	}
	return nil, &item.BadDataError{Detail: "not valid encrypted data"}
}

// itemError turns an error of get(name) into the error the user sees.
func (s *store) itemError(err error, name, profile, what string) error {
	return s.items().ItemError(err, name, profile, what)
}

// put writes one item. On the file and pass backends it writes a temporary
// item and renames its file onto the item's file, so that a reader, a
// concurrent writer or a crash sees the old or the new item, never a torn
// one; the library itself truncates and rewrites in place.
func (s *store) put(name string, data []byte) error {
	newItem := func(key string) keyring.Item {
		return keyring.Item{Key: key, Data: data, Label: "credo " + name, Description: "credo"}
	}
	if s.files == nil {
		err := s.kr.Set(newItem(name))
		// gnome-keyring answers a collection it cannot create (no desktop
		// to prompt in) with D-Bus's generic UnknownMethod error; only its
		// text tells this case apart (TestSecretServiceMissingCollection).
		if err != nil && s.backend == BackendSecretService && strings.Contains(err.Error(), "Object does not exist") {
			return hint.Wrap(fmt.Errorf("secret-service keyring: %w", err),
				"the collection does not exist and cannot be created without a desktop prompt; set CREDO_SECRET_SERVICE_COLLECTION=login")
		}
		if err != nil {
			return fmt.Errorf("%s keyring: %w", s.backend, err)
		}
		return nil
	}
	if s.backend == BackendFile {
		return s.putFile(name, data)
	}
	tmp, err := tmpName(name)
	if err != nil {
		return err
	}
	src, dst := s.files.path(tmp), s.files.path(name)
	if err := s.kr.Set(newItem(tmp)); err != nil {
		_ = os.Remove(src)
		return fmt.Errorf("%s keyring: %w", s.backend, err)
	}
	if err := syncPath(src); err != nil {
		_ = os.Remove(src)
		return fmt.Errorf("%s keyring: %w", s.backend, err)
	}
	return renameDurably(src, dst, s.backend)
}

// renameDurably moves a written temporary item onto its name.
func renameDurably(src, dst, backend string) error {
	if err := os.Rename(src, dst); err != nil {
		_ = os.Remove(src)
		return fmt.Errorf("%s keyring: %w", backend, err)
	}
	// Make the rename durable; a failure here leaves a valid item.
	_ = syncPath(filepath.Dir(dst))
	return nil
}

// putFile writes one item of the file backend in the version 2 format,
// creating the keyring's header first when there is none. Writers of one
// folder take its write lock, so that moving version 1 items to version 2
// (done here whenever this process knows the passphrase and such items
// remain) never overwrites a newer item or brings back a removed one.
func (s *store) putFile(name string, data []byte) error {
	key, _, err := s.unlock.WriteKey()
	if err != nil {
		return err
	}
	release, err := s.writeLock()
	if err != nil {
		return err
	}
	defer release()
	if s.unlock.hasPass {
		s.migrate(key)
	}
	return s.writeV2(name, key, data, nil)
}

// writeV2 writes item name as a version 2 item through a temporary file.
// When expect is not nil, the item is replaced only if its file still holds
// expect (migration).
func (s *store) writeV2(name string, key, data, expect []byte) error {
	tok, err := filefast.SealItem(key, name, data, rand.Reader)
	if err != nil {
		return err
	}
	tmp, err := tmpName(name)
	if err != nil {
		return err
	}
	src, dst := s.files.path(tmp), s.files.path(name)
	if err := writeNewFile(src, tok); err != nil {
		_ = os.Remove(src)
		return err
	}
	if expect != nil {
		if cur, err := filefast.ReadItemFile(dst); err != nil || !bytes.Equal(cur, expect) {
			_ = os.Remove(src)
			return nil
		}
	}
	return renameDurably(src, dst, s.backend)
}

// migrate rewrites the version 1 items of the folder in the version 2
// format, best effort: an item that does not decrypt stays as it is.
// Called with the write lock held.
func (s *store) migrate(key []byte) {
	names, err := filefast.Names(s.files.dir, "v1/")
	if err != nil {
		return
	}
	for _, n := range names {
		if isTmpName(n) {
			continue
		}
		path := s.files.path(n)
		token, err := filefast.ReadItemFile(path)
		if err != nil || filefast.IsV2(token) {
			continue
		}
		data, err := filefast.Decode(token, s.unlock.pass)
		if err != nil {
			if data, err = s.libGet(n); err != nil {
				continue
			}
		}
		if err := s.writeV2(n, key, data, token); err != nil {
			s.unlock.log.Debug("file keyring: moving an item to version 2 failed", "error", err)
			continue
		}
		s.unlock.log.Debug("file keyring: item moved to version 2", "item", n)
	}
}

// writeLock takes the folder's write lock (an flock on a file in it).
func (s *store) writeLock() (func(), error) {
	if err := os.MkdirAll(s.files.dir, 0o700); err != nil {
		return nil, fmt.Errorf("file keyring: %w", err)
	}
	fl := flock.New(filepath.Join(s.files.dir, writeLockFile), flock.SetPermissions(0o600))
	if err := fl.Lock(); err != nil {
		return nil, fmt.Errorf("file keyring: write lock: %w", err)
	}
	return func() { _ = fl.Unlock() }, nil
}

// writeLockFile is the file of the folder's write lock; like the header,
// its name cannot be an item's.
const writeLockFile = ".credo-write.lock"

// writeNewFile writes data to a new file at path, 0600, flushed to disk.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("file keyring: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("file keyring: %w", err)
	}
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		f.Close()
		return fmt.Errorf("file keyring: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("file keyring: %w", err)
	}
	return nil
}

// syncPath flushes a file or folder to disk.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// remove deletes one item without reading it.
func (s *store) remove(name string) error {
	if s.backend == BackendFile {
		release, err := s.writeLock()
		if err != nil {
			return err
		}
		defer release()
		err = os.Remove(s.files.path(name))
		if errors.Is(err, fs.ErrNotExist) {
			return ErrNotFound
		}
		return err
	}
	if s.backend != BackendPass {
		// secret-service and others report success for a missing item.
		names, err := s.names()
		if err != nil {
			return err
		}
		found := false
		for _, n := range names {
			if n == name {
				found = true
				break
			}
		}
		if !found {
			return ErrNotFound
		}
	}
	err := s.kr.Remove(name)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return ErrNotFound
	}
	return err
}

// tidy deletes, best effort, the temporary items of killed writers (file and
// pass backends) and the sessions drop selects.
func (s *store) tidy(drop func(SessionRef) bool) {
	names, err := s.names()
	if err != nil {
		return
	}
	now := time.Now()
	for _, n := range names {
		if isTmpName(n) {
			if s.files == nil {
				continue
			}
			p := s.files.path(n)
			if st, err := os.Stat(p); err == nil && now.Sub(st.ModTime()) > staleTmpAge {
				_ = os.Remove(p)
			}
			continue
		}
		if drop == nil {
			continue
		}
		if ref, ok := parseSessionName(n); ok && drop(ref) {
			_ = s.remove(n)
		}
	}
}

func decodePayload(data []byte, v any) string { return item.DecodePayload(data, v) }

func corrupt(profile, what, detail string) error { return item.Corrupt(profile, what, detail) }

func shellQuote(s string) string { return item.ShellQuote(s) }
