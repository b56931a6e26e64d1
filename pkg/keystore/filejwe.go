package keystore

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

	"github.com/99designs/keyring"
)

// A fast reader for the file backend's items, for the hot path.
//
// 99designs/keyring writes each item as a compact JWE (RFC 7516) with
// PBES2-HS256+A128KW key management and A256GCM content encryption, through
// github.com/dvsekhvalnov/jose2go. Decrypting is dominated by PBKDF2 (8192
// rounds of HMAC-SHA256), which the standard library's crypto/pbkdf2 does
// about twice as fast as jose2go's. decodeFileItem handles exactly that
// format; anything else makes the caller fall back to the library, so the
// library stays the authority on the format, and it still does every write.

// errFallBack tells the caller to let the library decode the item.
var errFallBack = errors.New("not the expected JWE form")

// maxPBKDF2Rounds bounds the work an item's header can ask for.
const maxPBKDF2Rounds = 10_000_000

var keyWrapIV = []byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}

// decodeFileItem decrypts token with passphrase and returns the item's data.
// Errors: errKeyUnwrap (wrong passphrase, or a damaged wrapped key), or
// errFallBack for anything it does not handle.
func decodeFileItem(token []byte, passphrase string) ([]byte, error) {
	parts := bytes.Split(bytes.TrimSpace(token), []byte("."))
	if len(parts) != 5 {
		return nil, errFallBack
	}
	var dec [5][]byte
	for i, p := range parts {
		b := make([]byte, base64.RawURLEncoding.DecodedLen(len(p)))
		n, err := base64.RawURLEncoding.Decode(b, p)
		if err != nil {
			return nil, errFallBack
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
		return nil, errFallBack
	}
	if hdr.Alg != "PBES2-HS256+A128KW" || hdr.Enc != "A256GCM" || hdr.Zip != nil || hdr.P2C == nil || hdr.P2S == nil {
		return nil, errFallBack
	}
	rounds := int(*hdr.P2C)
	if float64(rounds) != *hdr.P2C || rounds < 1 || rounds > maxPBKDF2Rounds {
		return nil, errFallBack
	}
	saltInput, err := base64.RawURLEncoding.DecodeString(*hdr.P2S)
	if err != nil {
		return nil, errFallBack
	}
	salt := append([]byte(hdr.Alg+"\x00"), saltInput...)
	kek, err := pbkdf2.Key(sha256.New, passphrase, salt, rounds, 16)
	if err != nil {
		return nil, errFallBack
	}
	cek, err := aesKeyUnwrap(kek, dec[1])
	if err != nil {
		return nil, err
	}
	if len(cek) != 32 || len(dec[2]) != 12 || len(dec[4]) != 16 {
		return nil, errFallBack
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, errFallBack
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, errFallBack
	}
	sealed := append(append([]byte{}, dec[3]...), dec[4]...)
	plain, err := gcm.Open(nil, dec[2], sealed, parts[0])
	if err != nil {
		return nil, errFallBack
	}
	var item keyring.Item
	if err := json.Unmarshal(plain, &item); err != nil {
		return nil, errFallBack
	}
	return item.Data, nil
}

// aesKeyUnwrap is the AES Key Unwrap of RFC 3394, section 2.2.2.
func aesKeyUnwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped)%8 != 0 || len(wrapped) < 24 {
		return nil, errFallBack
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, errFallBack
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
		return nil, errKeyUnwrap
	}
	return r, nil
}
