package keystore

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/keystore/item"
)

// PassphraseRequest says why the file keyring's passphrase is asked.
type PassphraseRequest struct {
	// Dir is the keyring folder.
	Dir string
	// New is true when the keyring is being created: an asker on a terminal
	// asks twice and compares, and warns about a short passphrase.
	New bool
	// Retry is true when the previous answer was wrong.
	Retry bool
}

// FixedPassphrase returns a passphrase function that always answers p (a
// passphrase from the environment): nothing to ask again.
func FixedPassphrase(p string) func(PassphraseRequest) (string, error) {
	return func(PassphraseRequest) (string, error) { return p, nil }
}

// KeyCache keeps unlocked keyring keys in memory between processes (see
// package memstore). Its errors are never fatal: credo asks again.
type KeyCache interface {
	// UnlockedKey returns the key cached under id and keeps it for ttl
	// more; found is false when there is none.
	UnlockedKey(id string, ttl time.Duration) (key []byte, found bool, err error)
	// PutUnlockedKey caches key under id for ttl.
	PutUnlockedKey(id string, key []byte, ttl time.Duration) error
}

// unlocker holds the file keyring's passphrase and key for one process:
// the key (version 2 items) from the unlock cache or derived once, the
// passphrase (version 1 items, and deriving) asked at most once and tried
// up to tries times.
type unlocker struct {
	dir     string
	ask     func(PassphraseRequest) (string, error)
	tries   int
	kdf     filefast.KDFParams
	cache   KeyCache
	ttl     time.Duration
	single  func(key string) (func(), error)
	log     *slog.Logger
	mu      sync.Mutex
	pass    string
	hasPass bool
	failed  error // a passphrase error already given: not asked again
	key     []byte
	hdr     *filefast.Header
}

// errNoPassphrase is the error when there is no way to get a passphrase.
func (u *unlocker) noPassphrase() error {
	return &passphraseError{hint.Wrap(fmt.Errorf("file keyring %q: no passphrase", u.dir), "set CREDO_FILE_PASSPHRASE or run credo on a terminal")}
}

// askOnce calls the passphrase function, wrapping its errors.
func (u *unlocker) askOnce(req PassphraseRequest) (string, error) {
	if u.ask == nil {
		return "", u.noPassphrase()
	}
	p, err := u.ask(req)
	if err != nil {
		return "", &passphraseError{fmt.Errorf("file keyring %q: passphrase: %w", u.dir, err)}
	}
	return p, nil
}

// obtain asks for the passphrase until check accepts it (up to u.tries
// times); check returns filefast.ErrKeyUnwrap for a wrong one. The
// passphrase is kept for this process only.
func (u *unlocker) obtain(isNew bool, check func(string) error) (string, error) {
	if u.failed != nil {
		return "", u.failed
	}
	if u.hasPass {
		if err := check(u.pass); err != nil {
			return "", err
		}
		return u.pass, nil
	}
	tries := max(u.tries, 1)
	for i := range tries {
		p, err := u.askOnce(PassphraseRequest{Dir: u.dir, New: isNew, Retry: i > 0})
		if err != nil {
			u.failed = err
			return "", err
		}
		err = check(p)
		if err == nil {
			u.pass, u.hasPass = p, true
			return p, nil
		}
		if !errors.Is(err, filefast.ErrKeyUnwrap) {
			return "", err
		}
		u.log.Debug("file keyring: wrong passphrase", "try", i+1, "of", tries)
	}
	u.failed = filefast.WrongPassphrase(u.dir)
	return "", u.failed
}

// passphrase returns the passphrase for version 1 items, checked against
// the header when there is one (else against the version 1 items).
func (u *unlocker) passphrase() (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	hdr, err := u.header()
	if errors.Is(err, filefast.ErrNoHeader) {
		return u.obtain(false, u.checkV1)
	}
	if err != nil {
		return "", err
	}
	return u.obtain(false, func(p string) error {
		k, err := hdr.DeriveKey(p)
		if err == nil && u.key == nil {
			u.key = k
			u.remember(hdr, k)
		}
		return err
	})
}

// header reads (once) the keyring's version 2 header.
func (u *unlocker) header() (*filefast.Header, error) {
	if u.hdr != nil {
		return u.hdr, nil
	}
	h, err := filefast.ReadHeader(u.dir)
	if err != nil {
		return nil, err
	}
	u.hdr = h
	return h, nil
}

// Key returns the key of the version 2 items: from this process, the
// unlock cache, or the passphrase (asked once per unlock: two processes
// unlocking at once ask once).
func (u *unlocker) Key() ([]byte, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.key != nil {
		return u.key, nil
	}
	hdr, err := u.header()
	if errors.Is(err, filefast.ErrNoHeader) {
		return nil, &item.BadDataError{Detail: "a version 2 item in a keyring without a version 2 header"}
	}
	if err != nil {
		return nil, err
	}
	return u.unlock(hdr)
}

// unlock finds or derives hdr's key; u.mu is held.
func (u *unlocker) unlock(hdr *filefast.Header) ([]byte, error) {
	if k := u.cached(hdr); k != nil {
		return k, nil
	}
	if u.single != nil && u.cache != nil && !u.hasPass {
		// Another process may be asking right now: wait for it, then use
		// what it cached.
		release, err := u.single("unlock " + hdr.ID(u.dir))
		if err == nil {
			defer release()
			if k := u.cached(hdr); k != nil {
				return k, nil
			}
		} else {
			u.log.Debug("file keyring: unlock lock", "error", err)
		}
	}
	var key []byte
	_, err := u.obtain(false, func(p string) error {
		k, err := hdr.DeriveKey(p)
		key = k
		return err
	})
	if err != nil {
		return nil, err
	}
	u.key = key
	u.remember(hdr, key)
	return key, nil
}

// cached returns the key from the unlock cache when it is this keyring's.
func (u *unlocker) cached(hdr *filefast.Header) []byte {
	if u.cache == nil || u.ttl <= 0 {
		return nil
	}
	k, ok, err := u.cache.UnlockedKey(hdr.ID(u.dir), u.ttl)
	if err != nil {
		u.log.Debug("file keyring: unlock cache not used", "reason", err)
		return nil
	}
	if !ok {
		return nil
	}
	if !hdr.CheckKey(k) {
		u.log.Debug("file keyring: unlock cache holds another key; asking")
		return nil
	}
	u.key = k
	u.log.Debug("file keyring: unlocked from memory")
	return k
}

// remember puts key in the unlock cache.
func (u *unlocker) remember(hdr *filefast.Header, key []byte) {
	if u.cache == nil || u.ttl <= 0 {
		return
	}
	if err := u.cache.PutUnlockedKey(hdr.ID(u.dir), key, u.ttl); err != nil {
		u.log.Debug("file keyring: unlock cache not used", "reason", err)
	}
}

// WriteKey returns the key new items are written with, creating the
// version 2 header (and so the keyring) when there is none. It reports
// whether it created it.
func (u *unlocker) WriteKey() ([]byte, bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.key != nil {
		return u.key, false, nil
	}
	hdr, err := u.header()
	if err == nil {
		k, err := u.unlock(hdr)
		return k, false, err
	}
	if !errors.Is(err, filefast.ErrNoHeader) {
		return nil, false, err
	}
	hasV1 := u.hasV1Items()
	pass, err := u.obtain(!hasV1, u.checkV1)
	if err != nil {
		return nil, false, err
	}
	params := u.kdf
	if params == (filefast.KDFParams{}) {
		params = filefast.DefaultKDF
	}
	hdr, key, err := filefast.NewHeader(pass, params, rand.Reader)
	if err != nil {
		return nil, false, err
	}
	created, err := writeHeader(u.dir, hdr)
	if err != nil {
		return nil, false, err
	}
	if !created {
		// Another process made the header first: use its, if this
		// passphrase opens it.
		u.hdr = nil
		if hdr, err = u.header(); err != nil {
			return nil, false, err
		}
		if key, err = hdr.DeriveKey(pass); err != nil {
			return nil, false, filefast.WrongPassphrase(u.dir)
		}
	}
	u.hdr, u.key = hdr, key
	u.remember(hdr, key)
	return key, created, nil
}

// hasV1Items reports whether the folder holds items (of the version 1
// format, as there is no header).
func (u *unlocker) hasV1Items() bool {
	names, _ := filefast.Names(u.dir, "v1/")
	for _, n := range names {
		if !item.IsTmpName(n) {
			return true
		}
	}
	return false
}

// checkV1 checks p against a few version 1 items: ErrKeyUnwrap when none
// decrypts and at least one refused the key; nil when one decrypts or none
// could tell.
func (u *unlocker) checkV1(p string) error {
	names, _ := filefast.Names(u.dir, "v1/")
	tries, unwrap := 0, 0
	for _, n := range names {
		if item.IsTmpName(n) {
			continue
		}
		token, err := filefast.ReadItemFile(filepath.Join(u.dir, filefast.FileName(n)))
		if err != nil || filefast.IsV2(token) {
			continue
		}
		_, err = filefast.Decode(token, p)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, filefast.ErrKeyUnwrap):
			unwrap++
		}
		if tries++; tries == 3 {
			break
		}
	}
	if unwrap > 0 {
		return filefast.ErrKeyUnwrap
	}
	return nil
}

// writeHeader creates the header file of dir unless one exists: written to
// a temporary file, then linked into place, which fails when another process
// was first (created is then false).
func writeHeader(dir string, hdr *filefast.Header) (created bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("file keyring: %w", err)
	}
	tmpFile, err := os.CreateTemp(dir, ".credo-keyring.*.tmp")
	if err != nil {
		return false, fmt.Errorf("file keyring: %w", err)
	}
	tmp := tmpFile.Name()
	defer os.Remove(tmp)
	_, werr := tmpFile.Write(hdr.Marshal())
	serr := tmpFile.Sync()
	cerr := tmpFile.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return false, fmt.Errorf("file keyring: writing the header: %w", err)
	}
	if err := os.Link(tmp, filepath.Join(dir, filefast.HeaderFile)); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("file keyring: writing the header: %w", err)
	}
	_ = syncPath(dir)
	return true, nil
}
