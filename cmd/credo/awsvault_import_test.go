package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// awsVaultWrite stores items in aws-vault's keyring as aws-vault does:
// service name aws-vault, the keyring library's own encoding, aws-vault's
// defaults and AWS_VAULT_* variables, label "aws-vault (NAME)". The data of
// each item is the JSON given (aws-vault stores the AWS SDK's credentials).
// The keyctl scope, which aws-vault has no setting for, comes from
// TEST_KEYCTL_SCOPE.
//
// usage: awsvault-write BACKEND NAME JSON [NAME JSON...]
func awsVaultWrite(args []string) int {
	if len(args) < 3 || len(args)%2 != 1 {
		fmt.Fprintln(os.Stderr, "usage: awsvault-write BACKEND NAME JSON [NAME JSON...]")
		return 2
	}
	dir := os.Getenv("AWS_VAULT_FILE_DIR")
	if dir == "" {
		dir = "~/.awsvault/keys/"
	}
	coll := os.Getenv("AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME")
	if coll == "" {
		coll = "awsvault"
	}
	kr, err := keyring.Open(keyring.Config{
		AllowedBackends:         []keyring.BackendType{keyring.BackendType(args[0])},
		ServiceName:             "aws-vault",
		FileDir:                 dir,
		FilePasswordFunc:        keyring.FixedStringPrompt(os.Getenv("AWS_VAULT_FILE_PASSPHRASE")),
		LibSecretCollectionName: coll,
		PassDir:                 os.Getenv("AWS_VAULT_PASS_PASSWORD_STORE_DIR"),
		PassCmd:                 os.Getenv("AWS_VAULT_PASS_CMD"),
		PassPrefix:              os.Getenv("AWS_VAULT_PASS_PREFIX"),
		KeyCtlScope:             os.Getenv("TEST_KEYCTL_SCOPE"),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "awsvault-write:", err)
		return 1
	}
	for i := 1; i < len(args); i += 2 {
		if err := kr.Set(keyring.Item{Key: args[i], Label: "aws-vault (" + args[i] + ")", Data: []byte(args[i+1])}); err != nil {
			fmt.Fprintln(os.Stderr, "awsvault-write:", err)
			return 1
		}
	}
	return 0
}

// awsVaultItem is the JSON aws-vault 7 stores for a profile's keys.
func awsVaultItem(id, secret, token string) string {
	return fmt.Sprintf(`{"AccessKeyID":%q,"SecretAccessKey":%q,"SessionToken":%q,"Source":"","CanExpire":%v,"Expires":"0001-01-01T00:00:00Z"}`,
		id, secret, token, token != "")
}

// TestImportAWSVaultOnEveryBackend writes aws-vault items (keys, a cached
// session, an SSO token) with the keyring library on each backend this
// machine can run, and imports them with credo import aws-vault into a
// file keyring (issue 8).
func TestImportAWSVaultOnEveryBackend(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYIMPORTKEY1"
	for _, tc := range []struct {
		backend string
		flags   string
		setup   func(t *testing.T, home string) (env []string, wrap []string)
	}{
		{"file", "", func(t *testing.T, home string) ([]string, []string) {
			return []string{"AWS_VAULT_FILE_PASSPHRASE=aws-vault test"}, nil
		}},
		{"pass", "", func(t *testing.T, home string) ([]string, []string) {
			gnupg, store := testsvc.Pass(t, home)
			return []string{"GNUPGHOME=" + gnupg, "AWS_VAULT_PASS_PASSWORD_STORE_DIR=" + store, "AWS_VAULT_PASS_PREFIX=aws-vault"}, nil
		}},
		{"keyctl", "--keyctl-scope session", func(t *testing.T, home string) ([]string, []string) {
			testsvc.Need(t, "keyctl")
			// A fresh session keyring, gone with the test's shell.
			return []string{"TEST_KEYCTL_SCOPE=session"}, []string{"keyctl", "session", "-"}
		}},
		{"secret-service", "", func(t *testing.T, home string) ([]string, []string) {
			// gnome-keyring cannot create the "awsvault" collection
			// without a desktop prompt; aws-vault's variable names another.
			return append(testsvc.SecretService(t, home), "AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME=login"), nil
		}},
	} {
		t.Run(tc.backend, func(t *testing.T) {
			home := t.TempDir()
			// Credo's keyring is not what this test checks: a cheap one.
			if err := cheapKeyring(filepath.Join(home, "credo-keyring"), "credo test"); err != nil {
				t.Fatal(err)
			}
			env, wrap := tc.setup(t, home)
			env = append(env,
				"PATH="+os.Getenv("PATH"), raceEnv(), "HOME="+home, "AWS_VAULT_BACKEND="+tc.backend,
				"CREDO_BACKEND=file", "CREDO_FILE_DIR="+filepath.Join(home, "credo-keyring"), "CREDO_FILE_PASSPHRASE=credo test",
				"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
				"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
				"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
				"KEYS="+awsVaultItem("AKIAIMPORTEXAMPLE001", secret, ""),
				"SESSION="+awsVaultItem("ASIAIMPORTEXAMPLE001", "sessionsecret", "token"),
				"FLAGS="+tc.flags,
			)
			script := `set -e
# The writer is this test binary, whose D-Bus guard follows CREDO_BACKEND.
CREDO_BACKEND=$AWS_VAULT_BACKEND awsvault-write "$AWS_VAULT_BACKEND" dev "$KEYS" 'sts.GetSessionToken,ZGV2,,4102444800' "$SESSION" 'oidc:https://example.awsapps.com/start' '{}'
credo import aws-vault $FLAGS --dry-run
credo list --credentials
echo ---
credo import aws-vault $FLAGS
credo export --no-session --format json dev
credo import aws-vault $FLAGS
`
			args := append(append([]string{}, wrap...), "sh", "-c", script)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, args[0], args[1:]...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			text := string(out)
			dry, rest, _ := strings.Cut(text, "---\n")
			if !strings.Contains(dry, "imported dev: AKIAIMPORTEXAMPLE001 from aws-vault's ") || !strings.Contains(dry, "Dry run: nothing was stored") {
				t.Errorf("dry run output:\n%s", dry)
			}
			if strings.Contains(dry, "\ndev\n") {
				t.Errorf("the dry run stored keys:\n%s", dry)
			}
			if strings.Count(rest, "imported dev: AKIAIMPORTEXAMPLE001") != 1 {
				t.Errorf("import output:\n%s", rest)
			}
			if !strings.Contains(rest, `{"Version":1,"AccessKeyId":"AKIAIMPORTEXAMPLE001","SecretAccessKey":"`+secret+`"}`) {
				t.Errorf("credo does not hand out the imported keys:\n%s", rest)
			}
			if !strings.Contains(rest, "skipped dev: credo already holds keys for it (--force replaces them)") {
				t.Errorf("a second import did not leave the keys alone:\n%s", rest)
			}
			for _, bad := range []string{"sts.", "oidc:", "ASIAIMPORT", "sessionsecret"} {
				if strings.Contains(text, bad) {
					t.Errorf("output mentions aws-vault's session or SSO item (%q):\n%s", bad, text)
				}
			}
			if !strings.Contains(rest, "Added [profile dev] to ") {
				t.Errorf("no [profile dev] added to the config:\n%s", rest)
			}
		})
	}
}

// TestImportAWSVault720Fixture imports the file keyring aws-vault 7.2.0
// wrote (pkg/keystore/testdata/awsvault-7.2.0) through the credo binary,
// and checks the bad cases: a wrong passphrase, a damaged item, a backend
// that is not there. Each stops with one line naming what and which
// profile, exits 1, and stores nothing.
func TestImportAWSVault720Fixture(t *testing.T) {
	src := filepath.Join("..", "..", "pkg", "keystore", "testdata", "awsvault-7.2.0", "keys")
	run := func(t *testing.T, home string, extra ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command("credo", "import", "aws-vault")
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), raceEnv(), "HOME=" + home,
			"CREDO_BACKEND=file", "CREDO_FILE_DIR=" + filepath.Join(home, "credo-keyring"), "CREDO_FILE_PASSPHRASE=credo test",
			"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"), "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
			"AWS_VAULT_BACKEND=file", "AWS_VAULT_FILE_PASSPHRASE=aws-vault 7.2.0 fixture"}, extra...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	setup := func(t *testing.T) string {
		home := t.TempDir()
		testsvc.CopyFiles(t, src, filepath.Join(home, ".awsvault", "keys"))
		return home
	}
	noKeys := func(t *testing.T, home string) {
		t.Helper()
		entries, _ := os.ReadDir(filepath.Join(home, "credo-keyring"))
		for _, e := range entries {
			if strings.Contains(e.Name(), "key") {
				t.Errorf("something was stored: %s", e.Name())
			}
		}
	}

	t.Run("imports", func(t *testing.T) {
		home := setup(t)
		out, errOut, code := run(t, home)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		for _, line := range []string{
			"imported default: AKIAAWSVAULTEXAMPLE3 from aws-vault's file keyring " + filepath.Join(home, ".awsvault", "keys") + " into the file keyring",
			"imported dev: AKIAAWSVAULTEXAMPLE1 from",
			"imported team/ops: AKIAAWSVAULTEXAMPLE2 from",
		} {
			if !strings.Contains(out, line) {
				t.Errorf("output lacks %q:\n%s", line, out)
			}
		}
		// Only the named profiles, and --force replaces.
		out, errOut, code = run(t, home, "AWS_VAULT_FILE_DIR="+filepath.Join(home, ".awsvault", "keys"))
		if code != 0 || strings.Count(out, "skipped ") != 3 {
			t.Errorf("second import: exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("wrong passphrase", func(t *testing.T) {
		home := setup(t)
		out, errOut, code := run(t, home, "AWS_VAULT_FILE_PASSPHRASE=wrong")
		if code != 1 || out != "" || !strings.HasPrefix(errOut, `credo: profile "default": the passphrase does not open aws-vault's file keyring`) {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		noKeys(t, home)
	})
	t.Run("damaged item", func(t *testing.T) {
		home := setup(t)
		if err := os.WriteFile(filepath.Join(home, ".awsvault", "keys", "team%2Fops"), []byte("eyJhbGciOi.damaged"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(t, home)
		if code != 1 || out != "" || !strings.HasPrefix(errOut, `credo: profile "team/ops": aws-vault's item in file keyring `) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		noKeys(t, home)
	})
	t.Run("backend not there", func(t *testing.T) {
		home := setup(t)
		out, errOut, code := run(t, home, "AWS_VAULT_BACKEND=kwallet")
		if code != 1 || out != "" || !strings.Contains(errOut, "kwallet") || strings.Count(errOut, "credo: ") > 2 {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		noKeys(t, home)
		out, errOut, code = run(t, home, "AWS_VAULT_FILE_DIR="+filepath.Join(home, "nowhere"))
		if code != 1 || out != "" || !strings.Contains(errOut, "nowhere: no such folder") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("a profile aws-vault does not hold", func(t *testing.T) {
		home := setup(t)
		cmd := exec.Command("credo", "import", "aws-vault", "dev", "nope")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), raceEnv(), "HOME=" + home, "CREDO_BACKEND=file", "CREDO_FILE_DIR=" + filepath.Join(home, "credo-keyring"),
			"CREDO_FILE_PASSPHRASE=x", "AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"), "AWS_VAULT_BACKEND=file", "AWS_VAULT_FILE_PASSPHRASE=aws-vault 7.2.0 fixture"}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), `credo: profile "nope": no keys in aws-vault's file keyring`) {
			t.Errorf("%v\n%s", err, out)
		}
		noKeys(t, home)
	})
}
