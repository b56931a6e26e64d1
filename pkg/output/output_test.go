package output

import (
	"bytes"
	"encoding/json"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// nasty values a shell could misread: quotes, dollars, backslashes,
// newlines, globs and command substitutions.
var nastyValues = []string{
	`plain`,
	`it's`,
	`"double" and 'single'`,
	`$HOME and ${PATH} and $(touch /tmp/credo-pwned) and ` + "`id`",
	"line one\nline two\n",
	`back\slash\\ and \' and \n`,
	`* ? [a-z] ~ ; | & < > # !`,
	"tab\there",
	"unicode ‘quotes’ ’and‚ ‛more",
}

// readBack runs a real shell on script and returns what it printed.
func readBack(t *testing.T, shell string, args ...string) func(script string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		if shell == "pwsh" { // not on the CI image: the tests run where it is installed
			line, _ := testsvc.MissingTool(shell)
			t.Skip(line)
		}
		testsvc.NeedFailed(t, shell)
	}
	return func(script string) string {
		cmd := exec.Command(path, append(args, script)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v: %s", shell, err, errb.String())
		}
		return out.String()
	}
}

func TestExportQuotingAgainstRealShells(t *testing.T) {
	for _, tc := range []struct {
		format, shell string
		args          []string
		// print prints $AWS_SECRET_ACCESS_KEY exactly, with no newline added.
		print string
	}{
		{"sh", "bash", []string{"-c"}, `printf '%s' "$AWS_SECRET_ACCESS_KEY"`},
		{"sh", "sh", []string{"-c"}, `printf '%s' "$AWS_SECRET_ACCESS_KEY"`},
		{"fish", "fish", []string{"--no-config", "-c"}, `printf '%s' "$AWS_SECRET_ACCESS_KEY"`},
		{"powershell", "pwsh", []string{"-NoProfile", "-Command"}, `[Console]::Out.Write($Env:AWS_SECRET_ACCESS_KEY)`},
	} {
		t.Run(tc.format+"/"+tc.shell, func(t *testing.T) {
			run := readBack(t, tc.shell, tc.args...)
			for _, v := range nastyValues {
				if tc.shell == "pwsh" && strings.Contains(v, "\n") {
					continue // PowerShell normalises nothing, but its console writer may
				}
				var b bytes.Buffer
				c := Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: v, SessionToken: "tok'en", CanExpire: true, Expires: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
				if err := Write(&b, tc.format, "p", c, "eu-west-1"); err != nil {
					t.Fatal(err)
				}
				got := run(b.String() + "\n" + tc.print)
				if got != v {
					t.Errorf("value %q came back as %q", v, got)
				}
			}
			if _, err := os.Stat("/tmp/credo-pwned"); err == nil {
				t.Fatal("a value was executed by the shell")
			}
		})
	}
}

// A shell that evaluates an export of long-term keys after one of a role's
// session holds no trace of the session: no token (which would go out with
// the long-term key id, and be refused), no expiration, no role for credo
// status (issue 12).
func TestExportClearsWhatAnEarlierExportSet(t *testing.T) {
	session := Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s1", SessionToken: "tok", CanExpire: true,
		Expires: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), RoleARN: "arn:aws:iam::123456789012:role/r"}
	keys := Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s2"}
	for _, tc := range []struct {
		format, shell string
		args          []string
		print         string
	}{
		{"sh", "bash", []string{"-c"}, `printf '%s,%s,%s,%s,%s' "$AWS_ACCESS_KEY_ID" "${AWS_SESSION_TOKEN-unset}" "${AWS_CREDENTIAL_EXPIRATION-unset}" "${CREDO_ROLE_ARN-unset}" "$CREDO_PROFILE"`},
		{"sh", "sh", []string{"-c"}, `printf '%s,%s,%s,%s,%s' "$AWS_ACCESS_KEY_ID" "${AWS_SESSION_TOKEN-unset}" "${AWS_CREDENTIAL_EXPIRATION-unset}" "${CREDO_ROLE_ARN-unset}" "$CREDO_PROFILE"`},
		{"fish", "fish", []string{"--no-config", "-c"}, `for v in AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION CREDO_ROLE_ARN; set -q $v; or set -g $v unset; end; printf '%s,%s,%s,%s,%s' "$AWS_ACCESS_KEY_ID" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$CREDO_ROLE_ARN" "$CREDO_PROFILE"`},
		{"powershell", "pwsh", []string{"-NoProfile", "-Command"}, `[Console]::Out.Write(($Env:AWS_ACCESS_KEY_ID, ($Env:AWS_SESSION_TOKEN ?? 'unset'), ($Env:AWS_CREDENTIAL_EXPIRATION ?? 'unset'), ($Env:CREDO_ROLE_ARN ?? 'unset'), $Env:CREDO_PROFILE) -join ',')`},
	} {
		t.Run(tc.format+"/"+tc.shell, func(t *testing.T) {
			run := readBack(t, tc.shell, tc.args...)
			var b bytes.Buffer
			if err := Write(&b, tc.format, "role", session, "eu-west-1"); err != nil {
				t.Fatal(err)
			}
			if err := Write(&b, tc.format, "user", keys, "eu-west-1"); err != nil {
				t.Fatal(err)
			}
			if got, want := run(b.String()+"\n"+tc.print), "AKIAEXAMPLE,unset,unset,unset,user"; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
			// Evaluated in a fresh shell, the export succeeds (nothing to
			// clear is no failure): `eval "$(credo export ...)" && cmd`.
			b.Reset()
			if err := Write(&b, tc.format, "user", keys, ""); err != nil {
				t.Fatal(err)
			}
			if got := run(b.String()); got != "" {
				t.Errorf("fresh shell printed %q", got)
			}
		})
	}
	// env lines cannot remove a variable: they set it empty.
	var b bytes.Buffer
	if err := Write(&b, "env", "user", keys, ""); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"AWS_SESSION_TOKEN=\n", "AWS_CREDENTIAL_EXPIRATION=\n", "CREDO_ROLE_ARN=\n"} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("env format lacks %q:\n%s", line, b.String())
		}
	}
}

func TestExportJSONIsTheCredentialProcessFormat(t *testing.T) {
	exp := time.Date(2026, 11, 27, 15, 4, 5, 0, time.FixedZone("CET", 3600))
	var b bytes.Buffer
	c := Credentials{AccessKeyID: "ASIAX", SecretAccessKey: `s"e\cret`, SessionToken: "t", CanExpire: true, Expires: exp}
	if err := Write(&b, "json", "p", c, "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	want := `{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s\"e\\cret","SessionToken":"t","Expiration":"2026-11-27T14:04:05Z"}` + "\n"
	if b.String() != want {
		t.Fatalf("got  %s\nwant %s", b.String(), want)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}

	b.Reset()
	long := Credentials{AccessKeyID: "AKIAX", SecretAccessKey: "s"}
	if err := Write(&b, "json", "p", long, ""); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != `{"Version":1,"AccessKeyId":"AKIAX","SecretAccessKey":"s"}`+"\n" {
		t.Fatalf("long-term keys: %s", got)
	}
}

func TestChildEnvRemovesWhatTheContractSays(t *testing.T) {
	in := []string{"PATH=/bin", "AWS_PROFILE=x", "AWS_DEFAULT_PROFILE=x", "AWS_SECURITY_TOKEN=x",
		"CREDO_FILE_PASSPHRASE=secret", "CREDO_BACKEND=file", "AWS_ACCESS_KEY_ID=old", "CREDO_PROFILE=outer", "KEEP=1"}
	got := strings.Join(ChildEnv(in, "dev", ""), "\n")
	for _, gone := range []string{"AWS_PROFILE=", "AWS_DEFAULT_PROFILE=", "AWS_SECURITY_TOKEN=", "CREDO_FILE_PASSPHRASE=", "AWS_ACCESS_KEY_ID=old", "CREDO_PROFILE=outer"} {
		if strings.Contains(got, gone) {
			t.Errorf("child environment still has %s", gone)
		}
	}
	for _, kept := range []string{"PATH=/bin", "CREDO_BACKEND=file", "KEEP=1", "CREDO_PROFILE=dev"} {
		if !strings.Contains(got, kept) {
			t.Errorf("child environment lost %s", kept)
		}
	}
}

// TestPlainJSONIsEncodingJSON: the hand-written credential_process answer is
// byte for byte what encoding/json writes, and values that need escaping go
// to encoding/json.
func TestPlainJSONIsEncodingJSON(t *testing.T) {
	for _, pc := range []processCredentials{
		{Version: 1, AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "a/b+c=", SessionToken: "FwoG/x+y==", Expiration: "2026-11-30T06:00:00Z"},
		{Version: 1, AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s"},
		{Version: 1, AccessKeyID: "AKIA", SecretAccessKey: `quote"back\slash<&>` + "\n\x01é"},
	} {
		want, err := json.Marshal(pc)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := pc.plainJSON()
		if ok && got != string(want) {
			t.Errorf("plainJSON = %s, want %s", got, want)
		}
		var b strings.Builder
		if err := Write(&b, "json", "p", Credentials{AccessKeyID: pc.AccessKeyID, SecretAccessKey: pc.SecretAccessKey, SessionToken: pc.SessionToken}, ""); err != nil {
			t.Fatal(err)
		}
		var back processCredentials
		if err := json.Unmarshal([]byte(b.String()), &back); err != nil || back.SecretAccessKey != pc.SecretAccessKey {
			t.Errorf("Write's JSON does not read back: %q, %v", b.String(), err)
		}
	}
	if _, ok := (processCredentials{SecretAccessKey: `"`}).plainJSON(); ok {
		t.Error("a value that needs escaping was written by hand")
	}
}

func TestArgv(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := Argv([]string{"ls", "-l"}, getenv); strings.Join(got, " ") != "ls -l" {
		t.Errorf("command: %q", got)
	}
	if got := Argv(nil, getenv); strings.Join(got, " ") != "/bin/sh" {
		t.Errorf("no SHELL: %q", got)
	}
	env["SHELL"] = "/usr/bin/fish"
	if got := Argv(nil, getenv); strings.Join(got, " ") != "/usr/bin/fish" {
		t.Errorf("SHELL: %q", got)
	}
}
