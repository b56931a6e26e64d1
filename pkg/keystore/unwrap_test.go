package keystore

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/99designs/keyring"
	jose "github.com/dvsekhvalnov/jose2go"

	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/keystore/item"
)

// TestLibraryReadItemWrongPassphrase: an item only the keyring library
// decrypts (another PBES2 form than the lean reader's) read with a wrong
// passphrase is a wrong passphrase, told by the key unwrap, not by
// jose2go's message (issue 9); with the right one it is read.
func TestLibraryReadItemWrongPassphrase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyring")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(item.KeyPayload{Version: item.FormatVersion, Profile: "dev", LongTermKey: LongTermKey{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := json.Marshal(keyring.Item{Key: item.KeyName("dev"), Data: data})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jose.Encrypt(string(plain), jose.PBES2_HS512_A256KW, jose.A256GCM, testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filefast.FileName(item.KeyName("dev"))), []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openFile(t, dir, fixedPassphrase("not it")).GetKey("dev"); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	k, err := openFile(t, dir, fixedPassphrase(testPassphrase)).GetKey("dev")
	if err != nil || k.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" {
		t.Errorf("right passphrase: %+v, %v", k, err)
	}
}
