package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The secret these tests store; it must show up in no output and in no
// file outside the backend's own storage.
const backendSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBACKENDKEY"

// TestAddThenListOnEveryBackend runs `credo add` then `credo list` through
// the real binaries on each keyring backend this machine can run (issue 2).
func TestAddThenListOnEveryBackend(t *testing.T) {
	for _, tc := range []struct {
		backend string
		setup   func(t *testing.T, home string) (env []string, wrap []string)
	}{
		{"file", func(t *testing.T, home string) ([]string, []string) {
			return []string{"CREDO_FILE_DIR=" + filepath.Join(home, ".local", "share", "credo", "keyring"), "CREDO_FILE_PASSPHRASE=backend test"}, nil
		}},
		{"pass", setupPass},
		{"keyctl", func(t *testing.T, home string) ([]string, []string) {
			needBinary(t, "keyctl")
			// A fresh session keyring isolates the test from the session
			// credo runs in; linking the user keyring into it is what a
			// login session does, so the user keyring is possessed. The
			// script removes its key at the end.
			return nil, []string{"keyctl", "session", "-", "sh", "-c", `keyctl link @u @s >/dev/null && exec "$@"`, "keyctl-session"}
		}},
		{"secret-service", setupSecretService},
	} {
		t.Run(tc.backend, func(t *testing.T) {
			home := t.TempDir()
			env, wrap := tc.setup(t, home)
			env = append(env,
				"PATH="+os.Getenv("PATH"), "HOME="+home, "CREDO_BACKEND="+tc.backend,
				"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
				"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
				"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
			)
			profile := "backend-" + strings.ReplaceAll(tc.backend, "-", "") + "-" + filepath.Base(home)
			script := `printf 'AKIAIOSFODNN7EXAMPLE\n%s\n' "$SECRET" | credo add "$P" && credo list && credo list --json && credo remove "$P" --force && credo list`
			args := append(append([]string{}, wrap...), "sh", "-c", script)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, args[0], args[1:]...)
			cmd.Env = append(env, "SECRET="+backendSecret, "P="+profile)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			text := string(out)
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(profile) + ` +yes +-$`).MatchString(text) {
				t.Fatalf("credo list does not show %s with stored keys:\n%s", profile, text)
			}
			if !strings.Contains(text, "the "+tc.backend+" keyring") {
				t.Errorf("credo add did not use the %s backend:\n%s", tc.backend, text)
			}
			if strings.Contains(text, backendSecret) {
				t.Fatalf("the secret appeared in the output:\n%s", text)
			}
			if !strings.Contains(text, `Removed profile "`+profile+`"`) {
				t.Errorf("remove did not report:\n%s", text)
			}
			// The secret is in no file under HOME (the file backend's items
			// are encrypted, pass's are gpg files, gnome-keyring's its own).
			_ = filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || d.Type()&os.ModeSocket != 0 {
					return nil
				}
				b, err := os.ReadFile(p)
				if err == nil && strings.Contains(string(b), backendSecret) {
					t.Errorf("the secret is in plain text in %s", p)
				}
				return nil
			})
		})
	}
}

func setupPass(t *testing.T, home string) ([]string, []string) {
	needBinary(t, "pass")
	needBinary(t, "gpg")
	gnupg := filepath.Join(home, "gnupg")
	store := filepath.Join(home, "password-store")
	if err := os.Mkdir(gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"GNUPGHOME=" + gnupg, "PASSWORD_STORE_DIR=" + store, "CREDO_PASS_DIR=" + store}
	runEnv := append(os.Environ(), env...)
	runEnv = append(runEnv, "HOME="+home)
	t.Cleanup(func() {
		kill := exec.Command("gpgconf", "--kill", "gpg-agent")
		kill.Env = runEnv
		_ = kill.Run()
	})
	gen := exec.Command("gpg", "--batch", "--gen-key")
	gen.Env = runEnv
	gen.Stdin = strings.NewReader("%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nSubkey-Type: ecdh\nSubkey-Curve: cv25519\nName-Real: credo test\nName-Email: credo-test@example.invalid\nExpire-Date: 0\n%commit\n")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("gpg --gen-key: %v\n%s", err, out)
	}
	list := exec.Command("gpg", "--batch", "--with-colons", "--list-secret-keys")
	list.Env = runEnv
	listing, err := list.Output()
	if err != nil {
		t.Fatal(err)
	}
	fpr := regexp.MustCompile(`(?m)^fpr:+([0-9A-F]{40}):`).FindStringSubmatch(string(listing))
	if fpr == nil {
		t.Fatalf("no fingerprint in %s", listing)
	}
	initCmd := exec.Command("pass", "init", fpr[1])
	initCmd.Env = runEnv
	if out, err := initCmd.CombinedOutput(); err != nil {
		t.Fatalf("pass init: %v\n%s", err, out)
	}
	return env, nil
}

// setupSecretService starts a private session bus and gnome-keyring with an
// unlocked login collection.
func setupSecretService(t *testing.T, home string) ([]string, []string) {
	needBinary(t, "dbus-daemon")
	needBinary(t, "gnome-keyring-daemon")
	needBinary(t, "dbus-send")
	run := filepath.Join(home, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"XDG_RUNTIME_DIR=" + run, "XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"CREDO_SECRET_SERVICE_COLLECTION=login"}
	base := append(os.Environ(), "HOME="+home)
	base = append(base, env...)
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	bus.Env = base
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
	addr := "DBUS_SESSION_BUS_ADDRESS=" + strings.TrimSpace(line)
	env = append(env, addr)
	base = append(base, addr)
	gk := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	gk.Env = base
	gk.Stdin = strings.NewReader("test-login-password")
	if err := gk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gk.Process.Kill(); _ = gk.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		cmd.Env = base
		out, _ := cmd.Output()
		if strings.Contains(string(out), "boolean true") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gnome-keyring did not register on the bus: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return env, nil
}
