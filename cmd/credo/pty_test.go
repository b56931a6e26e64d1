//go:build linux || darwin

package main

import (
	"bytes"
	"context"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// testHome makes a HOME with the AWS config given, a file keyring, and the
// environment every credo process of the test gets.
func testHome(t *testing.T, config string, sts *stsfake.Server) []string {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), raceEnv(),
		"HOME=" + home,
		"USER=tester",
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_STS=" + sts.URL(),
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"CREDO_BACKEND=file",
		"CREDO_FILE_DIR=" + filepath.Join(dir, "keyring"),
		"CREDO_FILE_PASSPHRASE=pty test",
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
		"TERM=dumb",
	}
	// The default key derivation costs seconds a process under the race
	// detector; what these tests check does not depend on its cost.
	if err := cheapKeyring(filepath.Join(dir, "keyring"), "pty test"); err != nil {
		t.Fatal(err)
	}
	add := exec.Command("credo", "add", "dev", "--add-config=false")
	add.Env = env
	add.Stdin = strings.NewReader("AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("credo add: %v: %s", err, out)
	}
	return env
}

const ptyConfig = `[profile dev]
mfa_serial = arn:aws:iam::123456789012:mfa/tester

[profile sdk]
credential_process = credo export --format json dev
`

// TestCredentialProcessPromptsOnTerminal runs the aws CLI in a pseudo-terminal;
// the CLI runs credo as its credential_process with stdout and stderr
// captured, and credo must still ask for the MFA code on the terminal.
func TestCredentialProcessPromptsOnTerminal(t *testing.T) {
	aws := testsvc.Need(t, "aws")
	sts := stsfake.NewTest(t)
	sts.SetMFACode("424242")
	arn := sts.AddUser("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "tester")
	env := testHome(t, ptyConfig, sts)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, aws, "--profile", "sdk", "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
	cmd.Env = env
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()

	screen := &testsvc.Buffer{}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(screen, tty)
		close(done)
	}()
	waitFor(t, ctx, screen, "Enter MFA code for arn:aws:iam::123456789012:mfa/tester")
	if _, err := tty.Write([]byte("424242\r")); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("aws: %v\nscreen:\n%s", err, screen.String())
	}
	<-done
	if !strings.Contains(screen.String(), arn) {
		t.Fatalf("the aws CLI did not print %s; screen:\n%s", arn, screen.String())
	}
	if got := sts.Calls("GetSessionToken"); got != 1 {
		t.Fatalf("GetSessionToken calls = %d, want 1", got)
	}
	req := sts.Requests()[0]
	if req.Form.Get("TokenCode") != "424242" || req.Form.Get("SerialNumber") != "arn:aws:iam::123456789012:mfa/tester" {
		t.Fatalf("GetSessionToken sent serial %q code %q", req.Form.Get("SerialNumber"), req.Form.Get("TokenCode"))
	}
}

// TestNoTerminalFailsFast: without a controlling terminal and without any
// other code source, credo fails at once with a hint instead of waiting.
func TestNoTerminalFailsFast(t *testing.T) {
	sts := stsfake.NewTest(t)
	env := testHome(t, ptyConfig, sts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "credo", "export", "--format", "json", "dev")
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatal("credo waited for a terminal that does not exist")
	}
	if err == nil {
		t.Fatalf("credo succeeded without an MFA code: %s", stdout.String())
	}
	if stdout.Len() != 0 {
		t.Fatalf("stdout = %q, want nothing", stdout.String())
	}
	if !strings.Contains(stderr.String(), "credo: hint:") || !strings.Contains(stderr.String(), "--mfa-token") {
		t.Fatalf("stderr has no hint naming --mfa-token:\n%s", stderr.String())
	}
	if sts.Calls("GetSessionToken") != 0 {
		t.Fatal("an STS call was made without a code")
	}
}

func waitFor(t *testing.T, ctx context.Context, b *testsvc.Buffer, text string) {
	t.Helper()
	for !strings.Contains(b.String(), text) {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %q; screen:\n%s", text, b.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
