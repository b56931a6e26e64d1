package login

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestOpenCommand(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name, goos, browser, want string
	}{
		{"BROWSER wins", "linux", "/opt/my browser --new-window", "/opt/my browser --new-window"},
		{"linux", "linux", "", "xdg-open"},
		{"freebsd", "freebsd", "", "xdg-open"},
		{"darwin", "darwin", "", "open"},
		{"windows", "windows", "", "rundll32 url.dll,FileProtocolHandler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, args := OpenCommand(env(map[string]string{"BROWSER": tc.browser}), tc.goos)
			// BROWSER is one command: never split on spaces.
			if got := strings.Join(append([]string{name}, args...), " "); got != tc.want || (tc.browser != "" && (name != tc.browser || len(args) != 0)) {
				t.Errorf("got %q %q, want %q", name, args, tc.want)
			}
		})
	}
}

func TestOpenerRunsBrowserWithTheURLAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake browser is a shell script")
	}
	dir := t.TempDir()
	record := filepath.Join(dir, "argv")
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '"+record+"'\necho opened\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	open := Opener(func(k string) string {
		if k == "BROWSER" {
			return script
		}
		return ""
	}, runtime.GOOS, &stderr)
	url := "https://signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&Issuer=credo&SigninToken=a b;$(x)"
	if err := open(context.Background(), url); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "1\n"+url+"\n" {
		t.Errorf("browser argv %q, want the URL alone", got)
	}
	if stderr.String() != "opened\n" {
		t.Errorf("browser output %q, want it on stderr", stderr.String())
	}

	// A failing browser is reported by name, without the URL.
	fail := filepath.Join(dir, "fail")
	if err := os.WriteFile(fail, []byte("#!/bin/sh\nexit 3\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{fail, filepath.Join(dir, "missing")} {
		err := Opener(func(string) string { return b }, runtime.GOOS, &stderr)(context.Background(), url)
		if err == nil || !strings.Contains(err.Error(), b) || strings.Contains(err.Error(), "SigninToken") {
			t.Errorf("BROWSER=%s: err = %v", b, err)
		}
	}
}

// TestOpenerDoesNotWaitForABrowserThatStays: a browser that keeps running
// (a text browser, one started cold) must not hold credo up, while one that
// fails at once is still reported.
func TestOpenerDoesNotWaitForABrowserThatStays(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the browsers are shell scripts")
	}
	dir := t.TempDir()
	stays := filepath.Join(dir, "stays")
	fails := filepath.Join(dir, "fails")
	if err := os.WriteFile(stays, []byte("#!/bin/sh\nexec sleep 30\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fails, []byte("#!/bin/sh\nexit 3\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	open := func(browser string) error {
		env := map[string]string{"BROWSER": browser}
		return Opener(func(k string) string { return env[k] }, runtime.GOOS, io.Discard)(context.Background(), "https://example.invalid/x")
	}
	done := make(chan error, 1)
	go func() { done <- open(stays) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a browser that stays open: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Opener waited for a browser that stays open")
	}
	if err := open(fails); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("a failing browser: %v", err)
	}
}
