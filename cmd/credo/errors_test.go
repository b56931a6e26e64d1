//go:build linux || darwin

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// sayTwice finds what an error line says twice: a profile, "passphrase",
// "storing", "keyring" (issue 7: `profile "x": storing keys: profile "x":
// storing key: ...`, `passphrase: file keyring passphrase: ...`).
func sayTwice(line string) string {
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`profile "[^"]*"`), regexp.MustCompile(`passphrase`),
		regexp.MustCompile(`storing`), regexp.MustCompile(` keyring[ :]`)} {
		if all := re.FindAllString(line, -1); len(all) > 1 {
			return all[0]
		}
	}
	return ""
}

// envValue is the value of name in env, a list of NAME=value.
func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// envWithout is env without name.
func envWithout(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func TestErrorsSayEachThingOnce(t *testing.T) {
	sts := stsfake.NewTest(t)
	env := testHome(t, ptyConfig, sts)
	keyring := envValue(env, "CREDO_FILE_DIR")
	// No passphrase, and no keyring left unlocked by the commands before.
	noPassphrase := append(envWithout(env, "CREDO_FILE_PASSPHRASE"), "CREDO_UNLOCK_TIMEOUT=0")

	run := func(env []string, stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("credo", args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		// No controlling terminal: opening /dev/tty fails at once.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("credo %s succeeded:\n%s", strings.Join(args, " "), out)
		}
		return string(out)
	}

	// The passphrase, with no terminal to ask it on.
	out := run(noPassphrase, "", "exec", "dev", "--", "true")
	want := `credo: profile "dev": reading stored credentials: file keyring "` + keyring + `": passphrase: no terminal to ask on` + "\n"
	if first, _, _ := strings.Cut(out, "\n"); first+"\n" != want || sayTwice(first) != "" {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}

	// Storing a key where a folder stands in the way.
	item := filepath.Join(keyring, "v1%2Fkey%2Fdev")
	if err := os.Remove(item); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(item, "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}
	out = run(env, "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "add", "dev", "--force", "--add-config=false")
	first, _, _ := strings.Cut(out, "\n")
	if !strings.HasPrefix(first, `credo: profile "dev": storing key: `) || sayTwice(first) != "" {
		t.Errorf("got\n%s", out)
	}
}
