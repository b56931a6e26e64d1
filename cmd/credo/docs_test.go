//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestDocsSampleErrors runs the mistakes docs/mfa.md and docs/backends.md
// show and checks that each line credo prints is in the page as it is
// printed (issue 7: the samples had drifted from what credo prints). The
// keyring folder is written DIR in the docs.
func TestDocsSampleErrors(t *testing.T) {
	sts := stsfake.NewTest(t)
	env := testHome(t, "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n", sts)
	env = append(env, "CREDO_UNLOCK_TIMEOUT=0") // every run reads the passphrase afresh
	dir := envValue(env, "CREDO_FILE_DIR")
	for _, tc := range []struct {
		doc  string
		env  []string
		args []string
	}{
		{"mfa.md", env, []string{"export", "dev", "--mfa-token", "12ab56"}},
		{"mfa.md", env, []string{"export", "dev"}}, // no terminal
		{"backends.md", append(envWithout(env, "CREDO_FILE_PASSPHRASE"), "CREDO_FILE_PASSPHRASE=not the passphrase"), []string{"export", "dev", "-t", "123456"}},
	} {
		page, err := os.ReadFile(filepath.Join("..", "..", "docs", tc.doc))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("credo", tc.args...)
		cmd.Env = tc.env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil {
			t.Fatalf("credo %s succeeded", strings.Join(tc.args, " "))
		}
		text := strings.ReplaceAll(stderr.String(), dir, "DIR")
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			if strings.HasPrefix(line, "credo: hint: ") && tc.doc == "backends.md" {
				continue // the page mentions the hint without quoting it
			}
			if !bytes.Contains(page, []byte(line)) {
				t.Errorf("docs/%s does not show, as credo prints it:\n%s", tc.doc, line)
			}
		}
	}
}
