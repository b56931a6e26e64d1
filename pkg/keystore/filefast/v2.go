package filefast

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"golang.org/x/crypto/argon2"
)

// The file keyring's version 2 format.
//
// Version 1 is 99designs/keyring's: every item is a JWE whose key is derived
// from the passphrase with PBKDF2-SHA256 (8,192 rounds) and its own salt, so
// every item read pays the derivation and an attacker with a copy of the
// folder tries about 560 passphrases a second per core.
//
// Version 2 derives one key per folder, once per unlock, with argon2id (a
// memory-hard function) from the passphrase and a salt kept in the folder's
// header file, HeaderFile. The header also holds a check value (a known text
// sealed with the key), so that a wrong passphrase is told apart from a
// damaged item, and a header replaced by someone who does not know the
// passphrase only ever gives "wrong passphrase". Each item is
//
//	credo.v2.<base64url(nonce || AES-256-GCM(key, nonce, data, aad))>
//
// where aad binds the item to its name, so that items cannot be swapped
// between names unnoticed. The derived key is what credo keeps in memory
// while the keyring is unlocked; the passphrase itself is never kept.

// HeaderFile is the name of a version 2 keyring's header, in its folder.
// Item file names always start with the schema version ("v1%2F..."), so the
// two never clash.
const HeaderFile = ".credo-keyring.json"

// v2Prefix starts every version 2 item file.
const v2Prefix = "credo.v2."

// MaxItemSize bounds what is read from one item file (and the header): a
// long-term key or a session is a few KiB at most; a larger file is not an
// item of ours, and reading it whole could exhaust memory.
const MaxItemSize = 64 << 10

// KDFParams are argon2id's parameters.
type KDFParams struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
}

// DefaultKDF is what a new keyring uses: RFC 9106's second recommended
// option (t=3, 64 MiB, 4 lanes). docs/security.md gives the guesses per
// second it allows.
var DefaultKDF = KDFParams{Time: 3, MemoryKiB: 64 << 10, Threads: 4}

// Bounds on what a header may ask for, so that a damaged or hostile header
// cannot make credo allocate gigabytes or run for minutes.
const (
	maxKDFTime   = 64
	maxKDFMemory = 1 << 20 // KiB: 1 GiB
)

func (p KDFParams) valid() bool {
	return p.Time >= 1 && p.Time <= maxKDFTime && p.MemoryKiB >= 8*uint32(p.Threads) &&
		p.MemoryKiB <= maxKDFMemory && p.Threads >= 1
}

// Header is a version 2 keyring's header file.
type Header struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	KDF     string    `json:"kdf"`
	Params  KDFParams `json:"params"`
	Salt    []byte    `json:"salt"`
	// Check is checkText sealed with the derived key.
	Check []byte `json:"check"`
}

const (
	headerFormat = "credo file keyring"
	checkText    = "credo file keyring check"
)

// ErrNoHeader is returned (wrapped) by ReadHeader when the folder has no
// version 2 header: a new keyring, or one with version 1 items only.
var ErrNoHeader = errors.New("no version 2 header")

// ErrBadHeader is returned (wrapped) for a header file that cannot be read
// as one.
var ErrBadHeader = errors.New("keyring header is damaged")

// ReadHeader reads the header of the keyring folder dir.
func ReadHeader(dir string) (*Header, error) {
	data, err := ReadItemFile(filepath.Join(dir, HeaderFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoHeader
	}
	if err != nil {
		return nil, err
	}
	var h Header
	if err := json.Unmarshal(data, &h); err != nil || h.Format != headerFormat || h.Version != 2 ||
		h.KDF != "argon2id" || !h.Params.valid() || len(h.Salt) < 16 || len(h.Check) == 0 {
		return nil, fmt.Errorf("file keyring %q: %w", dir, ErrBadHeader)
	}
	return &h, nil
}

// NewHeader makes the header of a new keyring for passphrase and returns it
// with the derived key.
func NewHeader(passphrase string, params KDFParams, random io.Reader) (*Header, []byte, error) {
	if !params.valid() {
		return nil, nil, fmt.Errorf("file keyring: invalid key derivation parameters %+v", params)
	}
	h := &Header{Format: headerFormat, Version: 2, KDF: "argon2id", Params: params, Salt: make([]byte, 16)}
	if _, err := io.ReadFull(random, h.Salt); err != nil {
		return nil, nil, fmt.Errorf("file keyring: random bytes: %w", err)
	}
	key := h.derive(passphrase)
	check, err := seal(key, []byte(checkText), h.aad(), random)
	if err != nil {
		return nil, nil, err
	}
	h.Check = check
	return h, key, nil
}

func (h *Header) derive(passphrase string) []byte {
	return argon2.IDKey([]byte(passphrase), h.Salt, h.Params.Time, h.Params.MemoryKiB, h.Params.Threads, 32)
}

func (h *Header) aad() []byte { return append([]byte("credo v2 check\x00"), h.Salt...) }

// DeriveKey derives the key of passphrase and checks it against the
// header: ErrKeyUnwrap when the passphrase is wrong.
func (h *Header) DeriveKey(passphrase string) ([]byte, error) {
	key := h.derive(passphrase)
	if !h.CheckKey(key) {
		return nil, ErrKeyUnwrap
	}
	return key, nil
}

// CheckKey reports whether key is this keyring's key.
func (h *Header) CheckKey(key []byte) bool {
	got, err := open(key, h.Check, h.aad())
	return err == nil && subtle.ConstantTimeCompare(got, []byte(checkText)) == 1
}

// ID names the keyring of folder dir with this header, for caches of its
// key: another folder, or a new header in the same folder, has another ID.
// It reveals nothing about the key.
func (h *Header) ID(dir string) string {
	sum := sha256.New()
	sum.Write([]byte(filepath.Clean(dir)))
	sum.Write([]byte{0})
	sum.Write(h.Salt)
	return hex.EncodeToString(sum.Sum(nil)[:16])
}

// Marshal returns the header file's contents.
func (h *Header) Marshal() []byte {
	b, _ := json.MarshalIndent(h, "", "  ")
	return append(b, '\n')
}

// IsV2 reports whether token (an item file's contents) is a version 2 item.
func IsV2(token []byte) bool { return bytes.HasPrefix(token, []byte(v2Prefix)) }

// SealItem encrypts data, the item called name, with the keyring's key.
func SealItem(key []byte, name string, data []byte, random io.Reader) ([]byte, error) {
	sealed, err := seal(key, data, itemAAD(name), random)
	if err != nil {
		return nil, err
	}
	tok := []byte(v2Prefix + base64.RawURLEncoding.EncodeToString(sealed))
	if len(tok) > MaxItemSize {
		// Never write what ReadItemFile refuses: the item would be stored
		// and then never found.
		return nil, fmt.Errorf("%w: it would be %d KiB, and an item holds at most %d KiB; use a shorter profile name", ErrItemTooLarge, len(tok)>>10, MaxItemSize>>10)
	}
	return tok, nil
}

// ErrItemTooLarge is SealItem's answer for data whose item would be larger
// than an item may be: what makes an item large is the names it holds (a
// profile name of tens of KiB).
var ErrItemTooLarge = errors.New("too large to store")

// OpenItem decrypts a version 2 item called name; an *item.BadDataError
// style error (errBadV2) when it does not decrypt: with a key the header
// accepted, that means the item was damaged or tampered with.
func OpenItem(key []byte, name string, token []byte) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(string(bytes.TrimSpace(bytes.TrimPrefix(token, []byte(v2Prefix)))))
	if err != nil {
		return nil, ErrTampered
	}
	data, err := open(key, raw, itemAAD(name))
	if err != nil {
		return nil, ErrTampered
	}
	return data, nil
}

// ErrTampered is OpenItem's answer for an item that does not decrypt with
// the keyring's key: it was damaged, tampered with, or moved from another
// name.
var ErrTampered = errors.New("it does not decrypt with the keyring's key: damaged or tampered with")

func itemAAD(name string) []byte { return append([]byte("credo v2 item\x00"), name...) }

func seal(key, plain, aad []byte, random io.Reader) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	if _, err := io.ReadFull(random, nonce); err != nil {
		return nil, fmt.Errorf("file keyring: random bytes: %w", err)
	}
	return gcm.Seal(nonce, nonce, plain, aad), nil
}

func open(key, sealed, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize()+gcm.Overhead() {
		return nil, ErrTampered
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("file keyring: key of the wrong size")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ErrNotRegular is returned (wrapped) for an item path that is not a
// regular file: a symbolic link, a FIFO, a device, a folder.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned (wrapped) for an item file larger than
// MaxItemSize.
var ErrTooLarge = errors.New("larger than an item can be")

// ReadItemFile reads one file of a keyring folder: a regular file only
// (a symbolic link, a FIFO or a device is refused without being followed
// or opened for reading, so that it can neither hang nor flood credo), of at
// most MaxItemSize bytes. fs.ErrNotExist (wrapped) when it does not exist.
func ReadItemFile(path string) ([]byte, error) {
	f, err := openNoFollow(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if isLoop(err) {
			return nil, fmt.Errorf("%s: %w (a symbolic link); remove it", path, ErrNotRegular)
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s); remove it", path, ErrNotRegular, kindOf(st.Mode()))
	}
	if st.Size() > MaxItemSize {
		return nil, fmt.Errorf("%s: %w (%d bytes, at most %d); remove it", path, ErrTooLarge, st.Size(), MaxItemSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxItemSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxItemSize {
		return nil, fmt.Errorf("%s: %w (at most %d bytes); remove it", path, ErrTooLarge, MaxItemSize)
	}
	return data, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	}
	return "not a plain file"
}
