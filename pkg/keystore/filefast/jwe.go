package filefast

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
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

// Decode decrypts token, the contents of one item's file, with passphrase
// and returns the item's data. Errors: ErrKeyUnwrap (wrong passphrase, or a
// damaged wrapped key), or ErrUnsupported for anything it does not handle.
func Decode(token []byte, passphrase string) ([]byte, error) {
	parts := bytes.Split(bytes.TrimSpace(token), []byte("."))
	if len(parts) != 5 {
		return nil, ErrUnsupported
	}
	var dec [5][]byte
	for i, p := range parts {
		b := make([]byte, base64.RawURLEncoding.DecodedLen(len(p)))
		n, err := base64.RawURLEncoding.Decode(b, p)
		if err != nil {
			return nil, ErrUnsupported
		}
		dec[i] = b[:n]
	}
	var hdr struct {
		Alg string   `json:"alg"`
		Enc string   `json:"enc"`
		Zip *string  `json:"zip"`
		P2C *float64 `json:"p2c"`
		P2S *string  `json:"p2s"`
	}
	if err := json.Unmarshal(dec[0], &hdr); err != nil {
		return nil, ErrUnsupported
	}
	if hdr.Alg != "PBES2-HS256+A128KW" || hdr.Enc != "A256GCM" || hdr.Zip != nil || hdr.P2C == nil || hdr.P2S == nil {
		return nil, ErrUnsupported
	}
	rounds := int(*hdr.P2C)
	if float64(rounds) != *hdr.P2C || rounds < 1 || rounds > maxPBKDF2Rounds {
		return nil, ErrUnsupported
	}
	saltInput, err := base64.RawURLEncoding.DecodeString(*hdr.P2S)
	if err != nil {
		return nil, ErrUnsupported
	}
	salt := append([]byte(hdr.Alg+"\x00"), saltInput...)
	kek, err := pbkdf2.Key(sha256.New, passphrase, salt, rounds, 16)
	if err != nil {
		return nil, ErrUnsupported
	}
	cek, err := aesKeyUnwrap(kek, dec[1])
	if err != nil {
		return nil, err
	}
	if len(cek) != 32 || len(dec[2]) != 12 || len(dec[4]) != 16 {
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
	sealed := append(append([]byte{}, dec[3]...), dec[4]...)
	plain, err := gcm.Open(nil, dec[2], sealed, parts[0])
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
