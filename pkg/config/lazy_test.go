package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// LoadLazily must give Chain exactly the answers Load gives it, while
// saying nothing about profiles that are not in the chain.
func TestLoadLazilyMatchesLoadForChains(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	data := `[profile base]
region = eu-west-1

[profile good]
source_profile = base
role_arn = arn:aws:iam::123456789012:role/good

[profile bad]
source_profile = base
role_arn = arn:aws:iam::123456789012:role/bad
duration_seconds = forever

[profile uses-bad]
source_profile = bad
role_arn = arn:aws:iam::123456789012:role/x
`
	if err := os.WriteFile(cfg, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	files := Files{ConfigPath: cfg, CredentialsPath: filepath.Join(dir, "credentials")}
	eager, eagerErr := Load(files)
	lazy, lazyErr := LoadLazily(files)
	if eagerErr == nil || !errors.Is(eagerErr, ErrInvalid) {
		t.Fatalf("Load did not report the bad profile: %v", eagerErr)
	}
	if lazyErr != nil {
		t.Fatalf("LoadLazily reported %v, a problem of a profile nobody asked for", lazyErr)
	}
	for _, name := range []string{"good", "bad", "uses-bad", "base", "missing"} {
		a, errA := eager.Chain(name)
		b, errB := lazy.Chain(name)
		if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			t.Errorf("Chain(%q): Load gives %v, LoadLazily gives %v", name, errA, errB)
		}
		if len(a) != len(b) {
			t.Errorf("Chain(%q): %d profiles against %d", name, len(a), len(b))
		}
	}
}

func TestLoadLazilyStillReportsSyntax(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte("[profile ok]\n[profile broken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadLazily(Files{ConfigPath: cfg})
	if err == nil || !errors.Is(err, ErrSyntax) {
		t.Fatalf("syntax error not reported: %v", err)
	}
	if _, err := c.Chain("ok"); err == nil {
		t.Fatal("Chain went on despite a syntax error")
	}
}
