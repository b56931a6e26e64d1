package keystore

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/99designs/keyring"

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
	pass    *passphrase      // file backend only
	reader  *filefast.Reader // file backend only: its reads
	now     func() time.Time

	// mu serialises calls into kr: the file backend caches the passphrase
	// in an unsynchronised field.
	mu       sync.Mutex
	verified bool // the file passphrase decrypted an existing item
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
	data, err := json.Marshal(item.KeyPayload{Version: item.FormatVersion, LongTermKey: k})
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
		if p, ok := parseKeyName(n); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// FindSession returns the cached session of profile and cacheKey that
// expires last, if it is still valid after notAfter. Only that one item is
// decrypted.
func (s *store) FindSession(profile, cacheKey string, notAfter time.Time) (Session, error) {
	if err := checkProfile(profile); err != nil {
		return Session{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reader != nil {
		// The file backend's rules live in filefast, shared with the lean
		// front binary.
		return s.reader.FindSession(profile, cacheKey, notAfter)
	}
	names, err := s.namesWithPrefix(item.SessionDir(profile, cacheKey))
	if err != nil {
		return Session{}, err
	}
	var refs []SessionRef
	for _, n := range names {
		if ref, ok := parseSessionName(n); ok && ref.Expiration.After(notAfter) {
			refs = append(refs, ref)
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Expiration.After(refs[j].Expiration) })
	for _, ref := range refs {
		data, err := s.get(ref.item)
		if errors.Is(err, ErrNotFound) {
			continue // removed by another process since the listing
		}
		if err != nil {
			return Session{}, s.itemError(err, ref.item, profile, "cached session")
		}
		var p item.SessionPayload
		if detail := item.DecodePayload(data, &p); detail != "" {
			return Session{}, item.Corrupt(profile, "cached session", detail)
		}
		if !p.Expiration.After(notAfter) {
			continue
		}
		return p.Session, nil
	}
	return Session{}, fmt.Errorf("profile %q: no cached session: %w", profile, ErrNotFound)
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
	data, err := json.Marshal(item.SessionPayload{Version: item.FormatVersion, Session: sess})
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
		return ref.Profile == profile && ref.CacheKey == cacheKey && ref.Expiration.Before(newExp)
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
	out := []SessionRef{}
	for _, n := range names {
		ref, ok := parseSessionName(n)
		if ok && (profile == "" || ref.Profile == profile) {
			out = append(out, ref)
		}
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

// get returns the data of one item: ErrNotFound, an *item.BadDataError,
// filefast.ErrKeyUnwrap or another error (see itemError).
func (s *store) get(name string) ([]byte, error) {
	if s.reader != nil {
		return s.reader.Get(name)
	}
	return s.libGet(name)
}

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
	case s.pass == nil:
		return nil, fmt.Errorf("%s keyring: %w", s.backend, err)
	case errors.As(err, &pathErr):
		return nil, fmt.Errorf("file keyring: %w", err)
	case strings.Contains(err.Error(), "integrity check failed"):
		return nil, filefast.ErrKeyUnwrap
	}
	return nil, &item.BadDataError{Detail: "not valid encrypted data"}
}

// itemError turns an error of get(name) into the error the user sees.
func (s *store) itemError(err error, name, profile, what string) error {
	if s.reader != nil {
		return s.reader.ItemError(err, name, profile, what)
	}
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

// checkPassphrase makes sure, before the first write of a file store, that
// the passphrase decrypts the items already there, so that one keyring
// never mixes two passphrases.
func (s *store) checkPassphrase() error {
	if s.pass == nil || s.verified {
		return nil
	}
	names, err := s.names()
	if err != nil {
		return err
	}
	tries, unwrapFailures := 0, 0
	for _, n := range names {
		if isTmpName(n) || !strings.HasPrefix(n, "v1/") {
			continue
		}
		_, err := s.get(n)
		var pe *passphraseError
		switch {
		case err == nil:
			s.verified = true
			return nil
		case errors.As(err, &pe):
			return err
		case errors.Is(err, filefast.ErrKeyUnwrap):
			unwrapFailures++
		}
		if tries++; tries == 3 {
			break
		}
	}
	if unwrapFailures > 0 {
		return filefast.WrongPassphrase(s.pass.dir)
	}
	s.verified = true
	return nil
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
		if err != nil && s.backend == BackendSecretService && strings.Contains(err.Error(), "Object does not exist") {
			return hint.Wrap(fmt.Errorf("secret-service keyring: %w", err),
				"the collection does not exist and cannot be created without a desktop prompt; set CREDO_SECRET_SERVICE_COLLECTION=login")
		}
		if err != nil {
			return fmt.Errorf("%s keyring: %w", s.backend, err)
		}
		return nil
	}
	if err := s.checkPassphrase(); err != nil {
		return err
	}
	tmp, err := tmpName(name)
	if err != nil {
		return err
	}
	src, dst := s.files.path(tmp), s.files.path(name)
	if s.backend == BackendFile {
		// The file backend's item, written by credo with the standard
		// library (twice as fast as the keyring library's PBKDF2) in the
		// library's own format, which the library reads back.
		if err := s.writeFileItem(src, newItem(tmp)); err != nil {
			_ = os.Remove(src)
			return err
		}
	} else {
		if err := s.kr.Set(newItem(tmp)); err != nil {
			_ = os.Remove(src)
			return fmt.Errorf("%s keyring: %w", s.backend, err)
		}
		if err := syncPath(src); err != nil {
			_ = os.Remove(src)
			return fmt.Errorf("%s keyring: %w", s.backend, err)
		}
	}
	if err := os.Rename(src, dst); err != nil {
		_ = os.Remove(src)
		return fmt.Errorf("%s keyring: %w", s.backend, err)
	}
	// Make the rename durable; a failure here leaves a valid item.
	_ = syncPath(filepath.Dir(dst))
	return nil
}

// writeFileItem encrypts item as the file backend does and writes it to
// path, new, 0600, flushed to disk.
func (s *store) writeFileItem(path string, item keyring.Item) error {
	pass, err := s.pass.get("")
	if err != nil {
		return err
	}
	plain, err := json.Marshal(item)
	if err != nil {
		return err
	}
	tok, err := filefast.Encode(plain, pass, s.now().String(), rand.Reader)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("file keyring: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("file keyring: %w", err)
	}
	if _, err := f.Write(tok); err != nil {
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
		err := os.Remove(s.files.path(name))
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
