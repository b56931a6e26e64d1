//go:build linux

package keystore

import (
	"bytes"
	"context"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

// These tests run the store on the real backends of this machine. Under
// CI=true a missing service fails the test instead of skipping it.

// run runs a command with env added to the test's environment and fails
// the test when it fails.
func run(t *testing.T, env []string, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return string(out)
}

func TestPassBackend(t *testing.T) {
	for _, tool := range []string{"pass", "gpg", "gpgconf"} {
		testsvc.Need(t, tool)
	}
	home := t.TempDir()
	gnupg, store := testsvc.Pass(t, home)
	// pass and gpg inherit the test's environment (the library runs pass
	// with os.Environ), so point it at the throwaway folders.
	t.Setenv("HOME", home)
	t.Setenv("GNUPGHOME", gnupg)
	t.Setenv("PASSWORD_STORE_DIR", store)

	s, err := Open(Config{Backend: BackendPass, PassDir: store, Getenv: os.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "PASSSECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEX"
	if err := exercise(s, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKey("dev", LongTermKey{AccessKeyID: "AKIAEXERCISEEXAMPLE1", SecretAccessKey: secret}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(store, "v1", "key", "dev.gpg")); err != nil {
		t.Fatalf("item file: %v", err)
	}
	// Atomic writes leave no temporary item behind.
	_ = filepath.WalkDir(store, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), tmpMark) {
			t.Errorf("temporary item left behind: %s", p)
		}
		return nil
	})
	assertSecretNowhere(t, home, secret)

	// With its store present and no D-Bus, pass is the automatic choice.
	if !available(BackendSecretService) && !available(BackendKWallet) {
		auto, err := Open(Config{PassDir: store, FileDir: filepath.Join(home, "file"), Getenv: os.Getenv})
		if err != nil {
			t.Fatal(err)
		}
		if auto.Backend() != BackendPass {
			t.Errorf("automatic backend = %q, want pass", auto.Backend())
		}
	}
}

func TestAutoFallsBackToFile(t *testing.T) {
	if available(BackendSecretService) || available(BackendKWallet) {
		t.Skip("this process has a D-Bus session bus; the secret-service test covers the automatic choice there")
	}
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	s, err := Open(Config{FileDir: filepath.Join(home, "keyring"), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != BackendFile {
		t.Fatalf("automatic backend = %q, want file", s.Backend())
	}
}

func TestKeyctlBackend(t *testing.T) {
	testsvc.Need(t, "keyctl")
	if !slices.Contains(keyring.AvailableBackends(), keyring.KeyCtlBackend) {
		t.Fatal("keyring has no keyctl backend on this platform")
	}
	home := t.TempDir()
	const secret = "KEYCTLSECRETwJalrXUtnFEMIK7MDENGbPxRfiCY"
	before := run(t, nil, "", "keyctl", "show", "@u")
	// A new anonymous session keyring isolates the test from the user's
	// keyrings; it goes away with the helper.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "keyctl", "session", "-", os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=exercise", "HOME="+home, "TEST_BACKEND=keyctl",
		"TEST_KEYCTL_SCOPE=session", "TEST_SECRET="+secret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("keyctl helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ok keyctl") {
		t.Fatalf("helper output: %s", out)
	}
	// None of the helper's items reached the user keyring. (Counting its
	// keys would not do: other tests' processes, credo's end-to-end tests
	// among them, use the user keyring at the same time.)
	after := run(t, nil, "", "keyctl", "show", "@u")
	for _, profile := range []string{"team/dev ops;%x", "plain", "kept"} {
		if name := keyName(profile); strings.Contains(after, name) && !strings.Contains(before, name) {
			t.Errorf("the helper's item %s is in the user keyring:\nbefore:\n%s\nafter:\n%s", name, before, after)
		}
	}
	assertSecretNowhere(t, home, secret)
}

// TestSecretServiceMissingCollection: a collection that does not exist
// cannot be created without a desktop prompt; the error says what to do,
// told by the D-Bus error's name, not by its English.
func TestSecretServiceMissingCollection(t *testing.T) {
	home := t.TempDir()
	env := testsvc.SecretService(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(append(os.Environ(), env...), helperEnv+"=exercise", "CREDO_BACKEND=secret-service",
		"TEST_BACKEND=secret-service", "TEST_COLLECTION=nosuchcollection", "TEST_SECRET=x")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "hint: the collection does not exist and cannot be created without a desktop prompt") {
		t.Fatalf("helper: %v\n%s", err, out)
	}
}

func TestSecretServiceBackend(t *testing.T) {
	home := t.TempDir()
	env := testsvc.SecretService(t, home)
	const secret = "SSSECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEXAM"
	// keyring registers the secret-service backend only when the bus is
	// reachable at process start: run the store in a helper process.
	for _, backend := range []string{BackendSecretService, ""} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, os.Args[0])
		cmd.Env = append(os.Environ(), env...)
		cmd.Env = append(cmd.Env, helperEnv+"=exercise", "CREDO_BACKEND="+backend, "TEST_BACKEND="+backend,
			"TEST_COLLECTION=login", "TEST_SECRET="+secret, "TEST_FILE_DIR="+filepath.Join(home, "file"))
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("backend %q helper: %v\n%s", backend, err, out)
		}
		if !strings.Contains(string(out), "ok secret-service") {
			t.Fatalf("backend %q: helper output: %s", backend, out)
		}
	}
	if _, err := os.Stat(filepath.Join(home, "data", "keyrings", "login.keyring")); err != nil {
		t.Errorf("login keyring file: %v", err)
	}
	assertSecretNowhere(t, home, secret)
}
