package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/testing/testsvc"
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
			testsvc.Need(t, "keyctl")
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
				"PATH="+os.Getenv("PATH"), raceEnv(), "HOME="+home, "CREDO_BACKEND="+tc.backend,
				"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
				"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
				"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
			)
			// A name no other run shares: the keyctl backend's items live in
			// the user keyring, which every process of the user sees.
			profile := fmt.Sprintf("backend-%s-%d-%d", strings.ReplaceAll(tc.backend, "-", ""), os.Getpid(), time.Now().UnixNano()%1e6)
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
	gnupg, store := testsvc.Pass(t, home)
	return []string{"GNUPGHOME=" + gnupg, "PASSWORD_STORE_DIR=" + store, "CREDO_PASS_DIR=" + store}, nil
}

func setupSecretService(t *testing.T, home string) ([]string, []string) {
	return append(testsvc.SecretService(t, home), "CREDO_SECRET_SERVICE_COLLECTION=login"), nil
}
