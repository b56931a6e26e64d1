//go:build !windows

package prompt

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/hint"
)

// fakeProgram writes an executable named name into a fresh directory put
// first on PATH. It records its argv, one argument a line, in the returned
// file, writes stderr to its standard error, prints stdout and exits with
// status.
func fakeProgram(t *testing.T, name, stdout, stderr string, status int) (argvFile string) {
	t.Helper()
	dir := t.TempDir()
	argvFile = filepath.Join(dir, name+".argv")
	script := "#!/bin/sh\n" +
		"for a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + argvFile + "'; done\n" +
		"printf '%s' '" + stderr + "' >&2\n" +
		"printf '%s\\n' '" + stdout + "'\n" +
		"exit " + strconv.Itoa(status) + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return argvFile
}

func readArgv(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func ask(t *testing.T, opts Options, message string) (string, error) {
	t.Helper()
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.MFACode(ctx, testSerial, message)
}

func TestHelperDrivers(t *testing.T) {
	const msg = "Enter MFA code for " + testSerial + ":"
	for _, tc := range []struct {
		name     string
		opts     Options
		message  string
		wantArgv []string
	}{
		{
			name:     "ykman derives the account from the serial",
			opts:     Options{Driver: "ykman"},
			wantArgv: []string{"oath", "accounts", "code", "--single", "alice"},
		},
		{
			name:     "ykman uses the configured account",
			opts:     Options{Driver: "ykman", YkmanAccount: "Amazon Web Services:alice@123456789012"},
			wantArgv: []string{"oath", "accounts", "code", "--single", "Amazon Web Services:alice@123456789012"},
		},
		{
			name:     "zenity shows an entry dialog",
			opts:     Options{Driver: "zenity"},
			wantArgv: []string{"--entry", "--title", "credo", "--text", msg},
		},
		{
			name:     "zenity shows the caller's message",
			opts:     Options{Driver: "zenity"},
			message:  "Code for work: ",
			wantArgv: []string{"--entry", "--title", "credo", "--text", "Code for work:"},
		},
		{
			name:     "kdialog shows an input box",
			opts:     Options{Driver: "kdialog"},
			wantArgv: []string{"--title", "credo", "--inputbox", msg, ""},
		},
		{
			name: "osascript shows a dialog with the message as an argument",
			opts: Options{Driver: "osascript"},
			wantArgv: []string{
				"-e", "on run argv",
				"-e", `display dialog (item 1 of argv) default answer "" with title "credo"`,
				"-e", "return text returned of result",
				"-e", "end run",
				msg,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.TTYPath = filepath.Join(t.TempDir(), "tty")
			argv := fakeProgram(t, tc.opts.Driver, " 123456 ", "", 0)
			code, err := ask(t, tc.opts, tc.message)
			if err != nil || code != "123456" {
				t.Fatalf("MFACode = %q, %v, want 123456", code, err)
			}
			if got := readArgv(t, argv); !reflect.DeepEqual(got, tc.wantArgv) {
				t.Errorf("argv = %q, want %q", got, tc.wantArgv)
			}
		})
	}
}

func TestYkmanMessagesReachTheTerminal(t *testing.T) {
	tty := filepath.Join(t.TempDir(), "tty")
	if err := os.WriteFile(tty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fakeProgram(t, "ykman", "123456", "Touch your YubiKey...", 0)
	if _, err := ask(t, Options{Driver: "ykman", TTYPath: tty}, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(tty); string(got) != "Touch your YubiKey..." {
		t.Errorf("terminal shows %q, want ykman's message", got)
	}
}

func TestHelperDriverFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		driver  string
		stdout  string
		status  int
		wantErr string
	}{
		{"ykman failing gives its status only", "ykman", "424242", 1, `prompt "ykman": failed: exit status 1`},
		{"zenity cancelled", "zenity", "424242", 1, `prompt "zenity": cancelled or failed: exit status 1`},
		{"kdialog cancelled", "kdialog", "", 1, `prompt "kdialog": cancelled or failed: exit status 1`},
		{"osascript cancelled", "osascript", "", 1, `prompt "osascript": cancelled or failed: exit status 1`},
		{"a malformed code is refused", "zenity", "42424", 0, `prompt "zenity": MFA code must be six digits`},
		{"an empty answer is refused", "kdialog", "", 0, `prompt "kdialog": MFA code must be six digits`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeProgram(t, tc.driver, tc.stdout, "", tc.status)
			_, err := ask(t, Options{Driver: tc.driver, TTYPath: filepath.Join(t.TempDir(), "tty")}, "")
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("MFACode error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestHelperDriverMissingProgram(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, driver := range []string{"ykman", "zenity", "kdialog", "osascript"} {
		_, err := ask(t, Options{Driver: driver}, "")
		if !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), driver+" not found") {
			t.Errorf("%s: MFACode error = %v, want %s not found", driver, err, driver)
		}
		if h := hint.Of(err); !strings.Contains(h, "install "+driver) || !strings.Contains(h, "CREDO_PROMPT") {
			t.Errorf("%s: hint = %q", driver, h)
		}
	}
}

func TestHelperDriverSeams(t *testing.T) {
	var gotName string
	var gotArgs []string
	opts := Options{
		Driver:   "ykman",
		LookPath: func(name string) (string, error) { return "/opt/bin/" + name, nil },
		Run: func(_ context.Context, name string, args ...string) ([]byte, error) {
			gotName, gotArgs = name, args
			return []byte("777777\n"), nil
		},
	}
	code, err := ask(t, opts, "")
	if err != nil || code != "777777" {
		t.Fatalf("MFACode = %q, %v", code, err)
	}
	if gotName != "/opt/bin/ykman" || gotArgs[len(gotArgs)-1] != "alice" {
		t.Errorf("ran %q %q", gotName, gotArgs)
	}
}

func TestUnknownDriver(t *testing.T) {
	_, err := New(Options{Driver: "pinentry"})
	if err == nil || err.Error() != `unknown prompt driver "pinentry"` {
		t.Fatalf("New error = %v", err)
	}
	if h := hint.Of(err); !strings.Contains(h, "terminal, ykman, zenity, kdialog, osascript") {
		t.Errorf("hint = %q, want the driver list", h)
	}
}

func TestYkmanAccount(t *testing.T) {
	for serial, want := range map[string]string{
		"arn:aws:iam::123456789012:mfa/alice":      "alice",
		"arn:aws:iam::123456789012:mfa/team/alice": "team/alice",
		"arn:aws-cn:iam::123456789012:mfa/bob":     "bob",
		"GAHT12345678":                             "GAHT12345678",
		"arn:aws:iam::123456789012:mfa/":           "arn:aws:iam::123456789012:mfa/",
	} {
		if got := ykmanAccount(serial); got != want {
			t.Errorf("ykmanAccount(%q) = %q, want %q", serial, got, want)
		}
	}
}
