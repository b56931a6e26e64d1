package filefast

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/99designs/keyring"
	jose "github.com/dvsekhvalnov/jose2go"
)

func TestAESKeyWrapRFC3394Vector(t *testing.T) {
	// RFC 3394, 4.1 and 4.6: the same vectors the unwrap test reads back.
	for _, tc := range []struct{ kek, key, want string }{
		{"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
			"00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
			"28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	} {
		kek, _ := hex.DecodeString(tc.kek)
		key, _ := hex.DecodeString(tc.key)
		want, _ := hex.DecodeString(tc.want)
		got, err := aesKeyWrap(kek, key)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("aesKeyWrap = %X, %v; want %X", got, err, want)
		}
	}
}

// TestLibraryReadsEncodedItems: every item Encode writes is read by
// 99designs/keyring itself, with the right passphrase only.
func TestLibraryReadsEncodedItems(t *testing.T) {
	dir := t.TempDir()
	for _, data := range [][]byte{[]byte(`{"Version":1,"AccessKeyId":"AKIA"}`), bytes.Repeat([]byte("y"), 5000), {}} {
		item := keyring.Item{Key: "v1/key/dev", Data: data, Label: "credo v1/key/dev", Description: "credo"}
		plain, err := json.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := Encode(plain, testPassphrase, "2026-11-27 14:00:00 +0000 UTC", rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FileName(item.Key)), tok, 0o600); err != nil {
			t.Fatal(err)
		}
		kr, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: dir, FilePasswordFunc: keyring.FixedStringPrompt(testPassphrase)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := kr.Get(item.Key)
		if err != nil || !bytes.Equal(got.Data, data) || got.Label != item.Label {
			t.Fatalf("library Get = %+v, %v", got, err)
		}
		if back, err := Decode(tok, testPassphrase); err != nil || !bytes.Equal(back, data) {
			t.Fatalf("Decode = %q, %v", back, err)
		}
		wrong, _ := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: dir, FilePasswordFunc: keyring.FixedStringPrompt("wrong")})
		if _, err := wrong.Get(item.Key); err == nil {
			t.Fatal("the library read the item with a wrong passphrase")
		}
	}
}

// TestKeyUnwraps: a wrong passphrase is told from a damaged item by the
// key unwrap itself, for every PBES2 form jose2go writes (issue 9: not by
// jose2go's message).
func TestKeyUnwraps(t *testing.T) {
	for _, alg := range []string{jose.PBES2_HS256_A128KW, jose.PBES2_HS384_A192KW, jose.PBES2_HS512_A256KW} {
		for _, enc := range []string{jose.A256GCM, jose.A128CBC_HS256} {
			tok, err := jose.Encrypt(`{"Data":"eA=="}`, alg, enc, testPassphrase)
			if err != nil {
				t.Fatal(err)
			}
			if err := KeyUnwraps([]byte(tok), testPassphrase); err != nil {
				t.Errorf("%s %s, right passphrase: %v", alg, enc, err)
			}
			if err := KeyUnwraps([]byte(tok), "wrong"); !errors.Is(err, ErrKeyUnwrap) {
				t.Errorf("%s %s, wrong passphrase: %v", alg, enc, err)
			}
		}
	}
	plain, err := jose.Encrypt("x", jose.DIR, jose.A128GCM, make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	if err := KeyUnwraps([]byte(plain), testPassphrase); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no PBES2: %v", err)
	}
}
