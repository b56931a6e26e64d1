//go:build linux

package keystore

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

// These tests run the store on the real backends of this machine. Under
// CI=true a missing service fails the test instead of skipping it.

func lookPaths(names ...string) error {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return err
		}
	}
	return nil
}

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
	requireService(t, "pass and gpg", lookPaths("pass", "gpg", "gpgconf"))
	home := t.TempDir()
	gnupg := filepath.Join(home, "gnupg")
	store := filepath.Join(home, "password-store")
	if err := os.Mkdir(gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	// pass and gpg inherit the test's environment (the library runs pass
	// with os.Environ), so point it at the throwaway folders.
	t.Setenv("HOME", home)
	t.Setenv("GNUPGHOME", gnupg)
	t.Setenv("PASSWORD_STORE_DIR", store)
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--kill", "gpg-agent").Run()
	})
	run(t, nil, `%no-protection
Key-Type: eddsa
Key-Curve: ed25519
Subkey-Type: ecdh
Subkey-Curve: cv25519
Name-Real: credo test
Name-Email: credo-test@example.invalid
Expire-Date: 0
%commit
`, "gpg", "--batch", "--gen-key")
	listing := run(t, nil, "", "gpg", "--batch", "--with-colons", "--list-secret-keys")
	fpr := regexp.MustCompile(`(?m)^fpr:+([0-9A-F]{40}):`).FindStringSubmatch(listing)
	if fpr == nil {
		t.Fatalf("no fingerprint in %s", listing)
	}
	run(t, nil, "", "pass", "init", fpr[1])

	s, err := Open(Config{Backend: BackendPass, PassDir: store, Getenv: os.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "PASSSECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEX"
	if err := exercise(s, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKey("dev", LongTermKey{AccessKeyID: "AKIAEXERCISE00000001", SecretAccessKey: secret}); err != nil {
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
	requireService(t, "keyctl", lookPaths("keyctl"))
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
	after := run(t, nil, "", "keyctl", "show", "@u")
	if strings.Count(after, "credo") != strings.Count(before, "credo") {
		t.Errorf("the user keyring changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	assertSecretNowhere(t, home, secret)
}

// secretService starts a private D-Bus session bus and gnome-keyring with an
// unlocked login collection, with HOME and the XDG folders under home. It
// returns the bus address; both daemons are killed at cleanup.
func secretService(t *testing.T, home string) (addr string, env []string) {
	t.Helper()
	requireService(t, "dbus-daemon and gnome-keyring-daemon", lookPaths("dbus-daemon", "gnome-keyring-daemon", "dbus-send"))
	env = []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + filepath.Join(home, "run"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config")}
	if err := os.Mkdir(filepath.Join(home, "run"), 0o700); err != nil {
		t.Fatal(err)
	}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	bus.Env = append(os.Environ(), env...)
	stdout, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Process.Kill(); _ = bus.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon address: %v", err)
	}
	addr = strings.TrimSpace(line)
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+addr)

	gk := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	gk.Env = append(os.Environ(), env...)
	gk.Stdin = strings.NewReader("test-login-password")
	if err := gk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gk.Process.Kill(); _ = gk.Wait() })
	// Wait until gnome-keyring owns the Secret Service name, so that
	// nothing D-Bus-activates a second, locked daemon.
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		cmd.Env = append(os.Environ(), env...)
		out, _ := cmd.Output()
		if strings.Contains(string(out), "boolean true") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gnome-keyring did not register on the bus: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr, env
}

func TestSecretServiceBackend(t *testing.T) {
	home := t.TempDir()
	_, env := secretService(t, home)
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
