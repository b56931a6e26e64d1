package filefast

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// EncodeRounds is the PBKDF2 round count of items Encode writes: the one
// 99designs/keyring (through jose2go) writes, so that either side reads
// what the other wrote.
const EncodeRounds = 8192

// Encode encrypts plaintext (the JSON of a keyring.Item) with passphrase
// into the compact JWE form 99designs/keyring's file backend writes:
// PBES2-HS256+A128KW key management with a 12-byte salt and 8192 rounds,
// A256GCM content encryption. created is the header value the library
// sets (the time as a string); random supplies the salt, key and nonce.
// It exists because the standard library's PBKDF2 is twice as fast as the
// library's; tests prove the library decodes every item it writes.
func Encode(plaintext []byte, passphrase, created string, random io.Reader) ([]byte, error) {
	var saltInput [12]byte
	cek := make([]byte, 32)
	var iv [12]byte
	for _, b := range [][]byte{saltInput[:], cek, iv[:]} {
		if _, err := io.ReadFull(random, b); err != nil {
			return nil, fmt.Errorf("file keyring: random bytes: %w", err)
		}
	}
	const alg = "PBES2-HS256+A128KW"
	header, err := json.Marshal(map[string]any{
		"alg":     alg,
		"enc":     "A256GCM",
		"p2c":     EncodeRounds,
		"p2s":     base64.RawURLEncoding.EncodeToString(saltInput[:]),
		"created": created,
	})
	if err != nil {
		return nil, err
	}
	kek, err := pbkdf2.Key(sha256.New, passphrase, append([]byte(alg+"\x00"), saltInput[:]...), EncodeRounds, 16)
	if err != nil {
		return nil, err
	}
	wrapped, err := aesKeyWrap(kek, cek)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	protected := base64.RawURLEncoding.EncodeToString(header)
	sealed := gcm.Seal(nil, iv[:], plaintext, []byte(protected))
	ct, tag := sealed[:len(sealed)-gcm.Overhead()], sealed[len(sealed)-gcm.Overhead():]
	enc := base64.RawURLEncoding.EncodeToString
	return []byte(protected + "." + enc(wrapped) + "." + enc(iv[:]) + "." + enc(ct) + "." + enc(tag)), nil
}

// aesKeyWrap is the AES Key Wrap of RFC 3394, section 2.2.1.
func aesKeyWrap(kek, key []byte) ([]byte, error) {
	if len(key)%8 != 0 || len(key) < 16 {
		return nil, fmt.Errorf("key wrap: key of %d bytes", len(key))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(key) / 8
	a := binary.BigEndian.Uint64(keyWrapIV)
	r := append([]byte{}, key...)
	var buf [16]byte
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			binary.BigEndian.PutUint64(buf[:8], a)
			copy(buf[8:], r[(i-1)*8:i*8])
			block.Encrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8]) ^ uint64(n*j+i)
			copy(r[(i-1)*8:i*8], buf[8:])
		}
	}
	out := make([]byte, 8, 8+len(r))
	binary.BigEndian.PutUint64(out, a)
	return append(out, r...), nil
}
