// Package filefast is the file backend's format, in the standard library
// alone: the folder's file names, the items of 99designs/keyring's format
// (compact JWE, decoded by Decode and encoded by Encode), credo's version 2
// items and the folder's header (SealItem, OpenItem, NewHeader), and the
// reading of cached sessions (Reader). It is the hot path of credo's lean
// front binary (which must not link the keyring library, D-Bus or the AWS
// SDK) and of pkg/keystore's file backend, so the rules for choosing a
// cached session exist once (item.FindSession). It reads files and encodes
// bytes; it creates, writes and removes no file: pkg/keystore does that.
//
// It is part of credo's implementation, not a public API.
package filefast

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore/item"
	"github.com/credo-cli/credo/pkg/xdg"
)

// DefaultDir returns the file backend's default folder:
// $XDG_DATA_HOME/credo/keyring, else ~/.local/share/credo/keyring
// (%LOCALAPPDATA%\credo\keyring on Windows).
func DefaultDir(getenv func(string) string) string {
	if d := xdg.Data.Credo(getenv); d != "" {
		return filepath.Join(d, "keyring")
	}
	return filepath.Join("~", ".local", "share", "credo", "keyring")
}

// Folder is the file keyring's folder for the file_dir setting: the
// setting, else DefaultDir (a leading "~/" still to expand).
func Folder(setting string, getenv func(string) string) string {
	if setting != "" {
		return setting
	}
	return DefaultDir(getenv)
}

// ExpandTilde expands a leading "~/" of dir to the home folder as
// 99designs/keyring's ExpandTilde does (os.UserHomeDir: $HOME, or
// %USERPROFILE% on Windows), with the environment read through getenv. An
// error when dir needs a home folder and none is set.
func ExpandTilde(dir string, getenv func(string) string) (string, error) {
	if !strings.HasPrefix(dir, "~/") {
		return dir, nil
	}
	key := "HOME"
	if runtime.GOOS == "windows" {
		key = "USERPROFILE"
	}
	home := getenv(key)
	if home == "" {
		return "", fmt.Errorf("$%s is not defined", key)
	}
	return strings.Replace(dir, "~", home, 1), nil
}

// FileName is the file name the file backend gives to item name: the name
// with "%" and "/" percent-encoded, as 99designs/keyring v1.2.2 does it
// (file.go filenameEscape, github.com/mtibben/percent Encode(name, "/")).
func FileName(name string) string {
	const hexDigits = "0123456789ABCDEF"
	if !strings.ContainsAny(name, "%/") && utf8.ValidString(name) {
		return name
	}
	var b strings.Builder
	var buf [utf8.UTFMax]byte
	for _, c := range name { // by rune, as percent.Encode (invalid bytes become U+FFFD)
		if c != '/' && c != '%' {
			b.WriteRune(c)
			continue
		}
		n := utf8.EncodeRune(buf[:], c)
		for _, x := range buf[:n] {
			b.WriteByte('%')
			b.WriteByte(hexDigits[x>>4])
			b.WriteByte(hexDigits[x&15])
		}
	}
	return b.String()
}

// ItemName reverses FileName as the library does (percent.Decode): every
// "%XX" with two hex digits becomes that byte.
func ItemName(file string) string {
	if !strings.Contains(file, "%") {
		return file
	}
	b := make([]byte, 0, len(file))
	for i := 0; i < len(file); i++ {
		if file[i] == '%' && i+2 < len(file) && isHex(file[i+1]) && isHex(file[i+2]) {
			b = append(b, unhex(file[i+1])<<4|unhex(file[i+2]))
			i += 2
			continue
		}
		b = append(b, file[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// Names lists the item names in dir that start with prefix, unsorted,
// temporary items included; none when dir does not exist (listing never
// creates it). Only the matching file names are decoded.
func Names(dir, prefix string) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("file keyring: listing items: %w", err)
	}
	defer f.Close()
	files, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("file keyring: listing items: %w", err)
	}
	filePrefix := FileName(prefix)
	var out []string
	for _, fn := range files {
		if strings.HasPrefix(fn, filePrefix) {
			out = append(out, ItemName(fn))
		}
	}
	return out, nil
}

// WrongPassphrase is the error for a passphrase that does not decrypt the
// items of the file keyring in dir; it matches item.ErrWrongPassphrase.
func WrongPassphrase(dir string) error {
	return hint.Wrap(fmt.Errorf("file keyring %q: %w", dir, item.ErrWrongPassphrase),
		"enter the passphrase this keyring was created with (or set CREDO_FILE_PASSPHRASE to it)")
}

// Reader reads the items of one file keyring folder. Its zero value is not
// usable: Dir and Passphrase are required. A Reader holds no state of its
// own; it is safe for concurrent use when Passphrase and Fallback are.
type Reader struct {
	// Dir is the keyring folder (already expanded, see ExpandTilde).
	Dir string
	// Passphrase returns the keyring's passphrase. It is called before each
	// decryption, never for listing; an error it returns is passed on
	// unchanged by ItemError.
	Passphrase func() (string, error)
	// Key, when set, returns the keyring's version 2 key (see Header); it
	// is called before each version 2 item is decrypted, and an error it
	// returns is passed on unchanged by ItemError. When nil, a version 2
	// item gives an error wrapping ErrUnsupported.
	Key func() ([]byte, error)
	// Fallback, when set, reads an item that Decode does not handle
	// (ErrUnsupported), with the keyring library. It returns the item's data
	// or item.ErrNotFound, ErrKeyUnwrap, an *item.BadDataError, or another
	// error. When nil, such an item gives an error wrapping ErrUnsupported.
	Fallback func(name string) ([]byte, error)
}

// passphraseFailure carries an error of Reader.Passphrase through Get.
type passphraseFailure struct{ err error }

func (e *passphraseFailure) Error() string { return e.err.Error() }
func (e *passphraseFailure) Unwrap() error { return e.err }

// Get returns the data of item name: item.ErrNotFound when its file does
// not exist, ErrKeyUnwrap, ErrUnsupported (no Fallback), the Fallback's
// errors, an error wrapping the Passphrase function's, or an I/O error.
// ItemError turns any of them into the error the user sees.
func (r *Reader) Get(name string) ([]byte, error) {
	path := filepath.Join(r.Dir, FileName(name))
	token, err := ReadItemFile(path)
	if err != nil {
		return nil, readError(path, err)
	}
	if IsV2(token) {
		if r.Key == nil {
			return nil, fmt.Errorf("file keyring: version 2 item: %w", ErrUnsupported)
		}
		key, err := r.Key()
		if err != nil {
			return nil, &passphraseFailure{err}
		}
		return OpenItem(key, name, token)
	}
	pass, err := r.Passphrase()
	if err != nil {
		return nil, &passphraseFailure{err}
	}
	data, err := Decode(token, pass)
	if errors.Is(err, ErrUnsupported) && r.Fallback != nil {
		return r.Fallback(name)
	}
	return data, err
}

// ItemError turns an error of Get(name) into the error the user sees, for
// the item of profile that is what ("stored key" or "cached session"): a
// corrupt item (item.ErrCorrupt, with the repair hint), a wrong passphrase
// (item.ErrWrongPassphrase, when no other item decrypts either), the
// Passphrase function's error as it is, or the error wrapped with the
// profile.
func (r *Reader) ItemError(err error, name, profile, what string) error {
	var pf *passphraseFailure
	var bad *item.BadDataError
	switch {
	case errors.As(err, &pf):
		return pf.err
	case errors.As(err, &bad):
		return item.Corrupt(profile, what, bad.Detail)
	case errors.Is(err, ErrTampered):
		return item.Corrupt(profile, what, ErrTampered.Error())
	case errors.Is(err, ErrKeyUnwrap):
		decrypts, tried := r.otherItemDecrypts(name)
		if decrypts {
			return item.Corrupt(profile, what, "it does not decrypt although other items do")
		}
		if !tried {
			// A lone item: a wrong passphrase and a damaged wrapped key
			// look the same, so say both.
			return hint.Wrap(fmt.Errorf("file keyring %q: %w, or the %s of profile %q is damaged", r.Dir, item.ErrWrongPassphrase, what, profile),
				fmt.Sprintf("enter the passphrase this keyring was created with; if it is right, run \"credo remove %s\" and add the key again", item.ShellQuote(profile)))
		}
		return WrongPassphrase(r.Dir)
	}
	return fmt.Errorf("profile %q: reading %s: %w", profile, what, err)
}

// otherItemDecrypts reports whether some item other than name decrypts with
// the current passphrase (it tries a few), and whether there was any other
// item to try.
func (r *Reader) otherItemDecrypts(name string) (decrypts, tried bool) {
	names, err := Names(r.Dir, "")
	if err != nil {
		return false, false
	}
	tries := 0
	for _, n := range names {
		if n == name || item.IsTmpName(n) || !strings.HasPrefix(n, "v1/") {
			continue
		}
		_, err := r.Get(n)
		if err == nil {
			return true, true
		}
		if errors.Is(err, ErrKeyUnwrap) {
			tried = true
		}
		if tries++; tries == 3 {
			break
		}
	}
	return false, tried
}

// readError sorts an error reading an item's file at path: item.ErrNotFound
// when there is none, an *item.BadDataError for something that is not an
// item file (a folder, a symbolic link to nothing), which the user is told
// to remove, or the I/O error.
func readError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return item.ErrNotFound
	}
	if errors.Is(err, ErrNotRegular) {
		fi, lerr := os.Lstat(path)
		switch {
		case lerr == nil && fi.Mode()&fs.ModeSymlink != 0:
			if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
				return &item.BadDataError{Detail: "its file is a symbolic link to a file that does not exist"}
			}
			return &item.BadDataError{Detail: "its file is a symbolic link; credo reads only regular files"}
		case lerr == nil && fi.IsDir():
			return &item.BadDataError{Detail: "a folder stands where its file should be"}
		case lerr == nil:
			return &item.BadDataError{Detail: "its file is " + kindOf(fi.Mode()) + ", not a regular file"}
		}
	}
	if errors.Is(err, ErrTooLarge) {
		return &item.BadDataError{Detail: fmt.Sprintf("its file is larger than an item can be (%d KiB at most)", MaxItemSize>>10)}
	}
	return fmt.Errorf("file keyring: %w", err)
}

// Names lists the items of the folder whose names start with prefix (see
// the package function Names); with Get and ItemError it makes a Reader an
// item.Source.
func (r *Reader) Names(prefix string) ([]string, error) { return Names(r.Dir, prefix) }

// FindSession is item.FindSession on the folder: the newest cached session
// still valid after notAfter, one item decrypted. Errors: item.FindSession's,
// item.ErrWrongPassphrase, ErrUnsupported (Reader without Fallback), or
// another error (see ItemError).
func (r *Reader) FindSession(profile, cacheKey string, notAfter time.Time) (item.Session, error) {
	return item.FindSession(r, profile, cacheKey, notAfter)
}

// FindSession is Reader.FindSession on the keyring folder dir with a known
// passphrase and no fallback: an item the lean decoder does not handle gives
// an error wrapping ErrUnsupported, on which the caller should let the full
// credo (99designs/keyring) answer. A version 2 item costs one key
// derivation per call.
func FindSession(dir, passphrase, profile, cacheKey string, notAfter time.Time) (item.Session, error) {
	return FindSessionUnlocked(dir, passphrase, nil, profile, cacheKey, notAfter)
}

// FindSessionUnlocked is FindSession that first asks unlocked for the key
// of the keyring's header (an unlock cache; nil or a nil answer means
// none), so that a version 2 item needs no key derivation when the keyring
// is unlocked. A key from unlocked is used only if the header accepts it.
func FindSessionUnlocked(dir, passphrase string, unlocked func(*Header) []byte, profile, cacheKey string, notAfter time.Time) (item.Session, error) {
	r := &Reader{Dir: dir, Passphrase: func() (string, error) { return passphrase, nil }}
	var key []byte
	r.Key = func() ([]byte, error) {
		if key != nil {
			return key, nil
		}
		h, err := ReadHeader(dir)
		if err != nil {
			return nil, err
		}
		if unlocked != nil {
			if k := unlocked(h); k != nil && h.CheckKey(k) {
				key = k
				return key, nil
			}
		}
		if key, err = h.DeriveKey(passphrase); err != nil {
			return nil, WrongPassphrase(dir)
		}
		return key, nil
	}
	return r.FindSession(profile, cacheKey, notAfter)
}
