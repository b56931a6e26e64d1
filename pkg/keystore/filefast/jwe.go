package filefast

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash"
)

// The decoder of the file backend's items.
//
// 99designs/keyring writes each item as a compact JWE (RFC 7516) with
// PBES2-HS256+A128KW key management and A256GCM content encryption, through
// github.com/dvsekhvalnov/jose2go. Decrypting is dominated by PBKDF2 (8192
// rounds of HMAC-SHA256), which the standard library's crypto/pbkdf2 does
// about twice as fast as jose2go's. decodeFileItem handles exactly that
// format; anything else is ErrUnsupported, on which pkg/keystore falls back
// to the library (and the lean front binary to the full one). Encode
// (encode.go) writes the same format, and tests check that the library
// reads what it writes.

// ErrUnsupported is returned (wrapped) for an item in a form this package
// does not decode: the caller must let 99designs/keyring read it (the lean
// front binary runs the full credo). It is not a verdict on the item, which
// the library may still read, or find damaged.
var ErrUnsupported = errors.New("file keyring item not in the form the lean reader decodes")

// ErrKeyUnwrap is Decode's answer when the content key does not unwrap:
// either the passphrase is wrong or the item is damaged (Reader.ItemError
// tells which).
var ErrKeyUnwrap = errors.New("key unwrap failed")

// maxPBKDF2Rounds bounds the work an item's header can ask for.
const maxPBKDF2Rounds = 10_000_000

var keyWrapIV = []byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}

// jwe is a compact JWE split into its five parts, decoded.
type jwe struct {
	raw [5][]byte // as written (the first is the AAD of the content)
	dec [5][]byte
	hdr struct {
		Alg string   `json:"alg"`
		Enc string   `json:"enc"`
		Zip *string  `json:"zip"`
		P2C *float64 `json:"p2c"`
		P2S *string  `json:"p2s"`
	}
}

func parseJWE(token []byte) (*jwe, error) {
	parts := bytes.Split(bytes.TrimSpace(token), []byte("."))
	if len(parts) != 5 {
		return nil, ErrUnsupported
	}
	j := &jwe{}
	for i, p := range parts {
		b := make([]byte, base64.RawURLEncoding.DecodedLen(len(p)))
		n, err := base64.RawURLEncoding.Decode(b, p)
		if err != nil {
			return nil, ErrUnsupported
		}
		j.raw[i], j.dec[i] = p, b[:n]
	}
	if err := json.Unmarshal(j.dec[0], &j.hdr); err != nil {
		return nil, ErrUnsupported
	}
	return j, nil
}

// pbes2 are the PBES2 key managements of RFC 7518 (section 4.8), which
// jose2go writes: the PBKDF2 hash and the key-wrapping key's length.
var pbes2 = map[string]struct {
	hash   func() hash.Hash
	keyLen int
}{
	"PBES2-HS256+A128KW": {sha256.New, 16},
	"PBES2-HS384+A192KW": {sha512.New384, 24},
	"PBES2-HS512+A256KW": {sha512.New, 32},
}

// unwrapKey derives the key-wrapping key from passphrase and unwraps the
// content key: ErrKeyUnwrap when it does not unwrap, ErrUnsupported when
// the item has no PBES2 key management.
func (j *jwe) unwrapKey(passphrase string) ([]byte, error) {
	kw, ok := pbes2[j.hdr.Alg]
	if !ok || j.hdr.P2C == nil || j.hdr.P2S == nil {
		return nil, ErrUnsupported
	}
	rounds := int(*j.hdr.P2C)
	if float64(rounds) != *j.hdr.P2C || rounds < 1 || rounds > maxPBKDF2Rounds {
		return nil, ErrUnsupported
	}
	saltInput, err := base64.RawURLEncoding.DecodeString(*j.hdr.P2S)
	if err != nil {
		return nil, ErrUnsupported
	}
	salt := append([]byte(j.hdr.Alg+"\x00"), saltInput...)
	kek, err := pbkdf2.Key(kw.hash, passphrase, salt, rounds, kw.keyLen)
	if err != nil {
		return nil, ErrUnsupported
	}
	return aesKeyUnwrap(kek, j.dec[1])
}

// KeyUnwraps reports whether the content key of token, an item of the file
// backend in any PBES2 form jose2go writes, unwraps with passphrase: nil
// when it does, ErrKeyUnwrap when it does not (a wrong passphrase, or a
// damaged wrapped key), ErrUnsupported for an item without PBES2 key
// management. Readers of items that 99designs/keyring decrypts use it to
// tell a wrong passphrase from another failure by its cause, since jose2go
// reports both with the same kind of error.
func KeyUnwraps(token []byte, passphrase string) error {
	j, err := parseJWE(token)
	if err != nil {
		return err
	}
	_, err = j.unwrapKey(passphrase)
	return err
}

// Decode decrypts token, the contents of one item's file, with passphrase
// and returns the item's data. Errors: ErrKeyUnwrap (wrong passphrase, or a
// damaged wrapped key), or ErrUnsupported for anything it does not handle.
func Decode(token []byte, passphrase string) ([]byte, error) {
	j, err := parseJWE(token)
	if err != nil {
		return nil, err
	}
	if j.hdr.Alg != "PBES2-HS256+A128KW" || j.hdr.Enc != "A256GCM" || j.hdr.Zip != nil {
		return nil, ErrUnsupported
	}
	cek, err := j.unwrapKey(passphrase)
	if err != nil {
		return nil, err
	}
	if len(cek) != 32 || len(j.dec[2]) != 12 || len(j.dec[4]) != 16 {
		return nil, ErrUnsupported
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, ErrUnsupported
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, ErrUnsupported
	}
	sealed := append(append([]byte{}, j.dec[3]...), j.dec[4]...)
	plain, err := gcm.Open(nil, j.dec[2], sealed, j.raw[0])
	if err != nil {
		return nil, ErrUnsupported
	}
	// The JSON of a keyring.Item; only Data matters here.
	var item struct{ Data []byte }
	if err := json.Unmarshal(plain, &item); err != nil {
		return nil, ErrUnsupported
	}
	return item.Data, nil
}

// aesKeyUnwrap is the AES Key Unwrap of RFC 3394, section 2.2.2.
func aesKeyUnwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped)%8 != 0 || len(wrapped) < 24 {
		return nil, ErrUnsupported
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, ErrUnsupported
	}
	n := len(wrapped)/8 - 1
	a := binary.BigEndian.Uint64(wrapped[:8])
	r := append([]byte{}, wrapped[8:]...)
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			binary.BigEndian.PutUint64(buf[:8], a^uint64(n*j+i))
			copy(buf[8:], r[(i-1)*8:i*8])
			block.Decrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8])
			copy(r[(i-1)*8:i*8], buf[8:])
		}
	}
	var got [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	if subtle.ConstantTimeCompare(got[:], keyWrapIV) != 1 {
		return nil, ErrKeyUnwrap
	}
	return r, nil
}
