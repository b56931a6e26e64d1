package filefast

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/99designs/keyring"
)

func TestAESKeyUnwrapRFC3394Vector(t *testing.T) {
	// RFC 3394, 4.1: wrap 128 bits of key data with a 128-bit KEK.
	kek, _ := hex.DecodeString("000102030405060708090A0B0C0D0E0F")
	wrapped, _ := hex.DecodeString("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")
	want, _ := hex.DecodeString("00112233445566778899AABBCCDDEEFF")
	got, err := aesKeyUnwrap(kek, wrapped)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("aesKeyUnwrap = %x, %v", got, err)
	}
	wrapped[3] ^= 1
	if _, err := aesKeyUnwrap(kek, wrapped); !errors.Is(err, ErrKeyUnwrap) {
		t.Fatalf("damaged: %v", err)
	}
}

const testPassphrase = "correct horse battery staple"

// TestDecodeReadsLibraryItems checks the fast reader against items
// written by 99designs/keyring itself.
func TestDecodeReadsLibraryItems(t *testing.T) {
	dir := t.TempDir()
	kr, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: dir, FilePasswordFunc: keyring.FixedStringPrompt(testPassphrase)})
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{[]byte(`{"Version":1}`), bytes.Repeat([]byte("x"), 5000), {}} {
		if err := kr.Set(keyring.Item{Key: "v1/key/dev", Data: data, Label: "l"}); err != nil {
			t.Fatal(err)
		}
		token, err := os.ReadFile(filepath.Join(dir, FileName("v1/key/dev")))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(token, testPassphrase)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Decode = %q, %v; want %q", got, err, data)
		}
		if _, err := Decode(token, "wrong"); !errors.Is(err, ErrKeyUnwrap) {
			t.Fatalf("wrong passphrase: %v", err)
		}
	}
	for _, junk := range []string{"", "junk", "a.b.c.d.e", "e30.e30.e30.e30.e30"} {
		if _, err := Decode([]byte(junk), testPassphrase); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Decode(%q) = %v, want ErrUnsupported", junk, err)
		}
	}
}
