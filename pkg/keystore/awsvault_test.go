package keystore

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// fixturePassphrase is the passphrase the aws-vault 7.2.0 file keyring in
// testdata/awsvault-7.2.0/keys was written with (`AWS_VAULT_BACKEND=file
// aws-vault add NAME --env`, example keys only).
const fixturePassphrase = "aws-vault 7.2.0 fixture"

// snapshot returns the names and contents of the files in dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

func passphraseFunc(p string) func() (string, error) {
	return func() (string, error) { return p, nil }
}

// TestAWSVault720FileKeyring reads the file keyring aws-vault 7.2.0 wrote,
// and changes nothing in it (issue 8).
func TestAWSVault720FileKeyring(t *testing.T) {
	dir := t.TempDir()
	testsvc.CopyFiles(t, filepath.Join("testdata", "awsvault-7.2.0", "keys"), dir)
	before := snapshot(t, dir)
	asked := 0
	s, err := OpenAWSVault(AWSVaultConfig{Backend: BackendFile, FileDir: dir, FilePassphrase: func() (string, error) {
		asked++
		return fixturePassphrase, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	names, err := s.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "default,dev,team/ops" {
		t.Fatalf("Profiles = %q", names)
	}
	if asked != 0 {
		t.Errorf("listing asked for the passphrase %d times", asked)
	}
	want := map[string][2]string{
		"default":  {"AKIAAWSVAULTEXAMPLE3", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYAWSVAULT03"},
		"dev":      {"AKIAAWSVAULTEXAMPLE1", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYAWSVAULT01"},
		"team/ops": {"AKIAAWSVAULTEXAMPLE2", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYAWSVAULT02"},
	}
	for _, p := range names {
		k, err := s.Key(p)
		if err != nil {
			t.Fatalf("Key(%q): %v", p, err)
		}
		if k.AccessKeyID != want[p][0] || k.SecretAccessKey != want[p][1] {
			t.Errorf("Key(%q) = %s %s", p, k.AccessKeyID, k.SecretAccessKey)
		}
	}
	if asked != 1 {
		t.Errorf("the passphrase was asked %d times, want once", asked)
	}
	if after := snapshot(t, dir); len(after) != len(before) {
		t.Errorf("aws-vault's folder changed: %d files, want %d", len(after), len(before))
	} else {
		for n, data := range before {
			if after[n] != data {
				t.Errorf("aws-vault's item %s changed", n)
			}
		}
	}

	// A wrong passphrase names the profile and stops.
	bad, err := OpenAWSVault(AWSVaultConfig{Backend: BackendFile, FileDir: dir, FilePassphrase: passphraseFunc("wrong")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Key("dev")
	if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), `profile "dev"`) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

// writeAWSVaultItem stores data under name as aws-vault does: service name
// aws-vault, the keyring library's own encoding.
func writeAWSVaultItem(t *testing.T, kr keyring.Keyring, name string, data []byte) {
	t.Helper()
	if err := kr.Set(keyring.Item{Key: name, Label: "aws-vault (" + name + ")", Data: data}); err != nil {
		t.Fatal(err)
	}
}

// awsVaultJSON is what aws-vault stores for a profile: the JSON of the AWS
// SDK's credentials.
func awsVaultJSON(t *testing.T, id, secret, token string) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"AccessKeyID": id, "SecretAccessKey": secret, "SessionToken": token,
		"Source": "", "CanExpire": token != "", "Expires": time.Time{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestAWSVaultItemsWrittenByTheLibrary: profiles are every item but cached
// sessions and SSO tokens; a damaged item and one with temporary
// credentials are told apart from a good one.
func TestAWSVaultItemsWrittenByTheLibrary(t *testing.T) {
	dir := t.TempDir()
	kr, err := keyring.Open(keyring.Config{
		AllowedBackends:  []keyring.BackendType{keyring.FileBackend},
		ServiceName:      "aws-vault",
		FileDir:          dir,
		FilePasswordFunc: keyring.FixedStringPrompt("pw"),
	})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLIBRARYKEY"
	writeAWSVaultItem(t, kr, "dev", awsVaultJSON(t, "AKIALIBRARYEXAMPLE01", secret, ""))
	writeAWSVaultItem(t, kr, "temp", awsVaultJSON(t, "ASIALIBRARYEXAMPLE01", secret, "token"))
	writeAWSVaultItem(t, kr, "garbled", []byte("not json"))
	sessions := []string{
		"sts.GetSessionToken,ZGV2,,1700000000",
		"sts.AssumeRole,cHJvZA,YXJuOmF3czppYW06OjE6bWZhL3g,1700000000",
		"session,ZGV2,,1700000000",
		"session:dev::1700000000",
		"dev session (1700000000)",
		"oidc:https://example.awsapps.com/start",
	}
	for _, n := range sessions {
		writeAWSVaultItem(t, kr, n, awsVaultJSON(t, "ASIASESSIONEXAMPLE01", secret, "token"))
	}
	s, err := OpenAWSVault(AWSVaultConfig{Backend: BackendFile, FileDir: dir, FilePassphrase: passphraseFunc("pw")})
	if err != nil {
		t.Fatal(err)
	}
	names, err := s.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "dev,garbled,temp" {
		t.Fatalf("Profiles = %q", names)
	}
	if k, err := s.Key("dev"); err != nil || k.AccessKeyID != "AKIALIBRARYEXAMPLE01" || k.SecretAccessKey != secret {
		t.Fatalf("Key(dev) = %+v, %v", k, err)
	}
	if _, err := s.Key("temp"); !errors.Is(err, ErrAWSVaultTemporary) {
		t.Errorf("Key(temp) = %v, want ErrAWSVaultTemporary", err)
	}
	_, err = s.Key("garbled")
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `profile "garbled"`) {
		t.Errorf("Key(garbled) = %v, want ErrCorrupt naming the profile", err)
	}
	// An item file that is not the library's encrypted data at all.
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = s.Key("broken")
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `profile "broken"`) {
		t.Errorf("Key(broken) = %v, want ErrCorrupt naming the profile", err)
	}
	if _, err := s.Key("absent"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Key(absent) = %v, want ErrNotFound", err)
	}
	for _, e := range mustReadDir(t, dir) {
		data, _ := os.ReadFile(filepath.Join(dir, e))
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("secret in plain text in %s", e)
		}
	}
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestAWSVaultFindsItsFolder: without a backend, credo looks where aws-vault
// would, ~/.awsvault/keys for the file backend; with none holding keys it
// says where it looked.
func TestAWSVaultFindsItsFolder(t *testing.T) {
	if available(BackendSecretService) || available(BackendKWallet) {
		t.Skip("this process has a D-Bus session bus: aws-vault would look in secret-service first")
	}
	home := t.TempDir()
	env := map[string]string{"HOME": home, "PASSWORD_STORE_DIR": filepath.Join(home, "nopass")}
	getenv := func(k string) string { return env[k] }
	_, err := OpenAWSVault(AWSVaultConfig{Getenv: getenv})
	if err == nil || !strings.Contains(err.Error(), "no aws-vault keys found") {
		t.Fatalf("empty HOME: %v", err)
	}
	keys := filepath.Join(home, ".awsvault", "keys")
	testsvc.CopyFiles(t, filepath.Join("testdata", "awsvault-7.2.0", "keys"), keys)
	s, err := OpenAWSVault(AWSVaultConfig{Getenv: getenv, FilePassphrase: passphraseFunc(fixturePassphrase)})
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != BackendFile || s.Where() != "file keyring "+keys {
		t.Fatalf("found %s (%s)", s.Backend(), s.Where())
	}
	if _, err := OpenAWSVault(AWSVaultConfig{Backend: "op", Getenv: getenv}); err == nil || !strings.Contains(err.Error(), `"op"`) {
		t.Errorf("backend op: %v", err)
	}
}
