//go:build linux || darwin

package main

import (
	"context"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// ptySession runs credo with a pseudo-terminal as its controlling terminal
// and standard streams, so that every prompt can be seen and answered.
type ptySession struct {
	t      *testing.T
	cmd    *exec.Cmd
	tty    *os.File
	screen *testsvc.Buffer
	done   chan struct{}
	ctx    context.Context
}

func startPTY(t *testing.T, env []string, args ...string) *ptySession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "credo", args...)
	cmd.Env = env
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	s := &ptySession{t: t, cmd: cmd, tty: tty, screen: &testsvc.Buffer{}, done: make(chan struct{}), ctx: ctx}
	go func() {
		_, _ = io.Copy(s.screen, tty)
		close(s.done)
	}()
	return s
}

// answer waits for prompt on the screen, then types line.
func (s *ptySession) answer(prompt, line string) {
	s.t.Helper()
	waitFor(s.t, s.ctx, s.screen, prompt)
	if _, err := s.tty.Write([]byte(line + "\r")); err != nil {
		s.t.Fatal(err)
	}
}

// wait returns the exit error and everything the terminal showed.
func (s *ptySession) wait() (error, string) {
	err := s.cmd.Wait()
	// The copy of the screen ends when the terminal has nothing more to
	// read; on a loaded machine that can take seconds after the exit.
	select {
	case <-s.done:
	case <-s.ctx.Done():
	}
	return err, s.screen.String()
}

func interactiveEnv(t *testing.T) (env []string, home string) {
	t.Helper()
	dir := t.TempDir()
	home = filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	return []string{
		"PATH=" + os.Getenv("PATH"), raceEnv(), "HOME=" + home, "TERM=dumb",
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"CREDO_BACKEND=file",
		"CREDO_FILE_DIR=" + filepath.Join(dir, "keyring"),
	}, home
}

const testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// TestInteractiveAddListRemove: credo add asks for the keyring passphrase
// once and for the keys on the terminal without echoing the secret;
// replacing keys and removing them ask first.
func TestInteractiveAddListRemove(t *testing.T) {
	env, home := interactiveEnv(t)

	s := startPTY(t, env, "add", "dev")
	s.answer("Access key ID: ", "AKIAIOSFODNN7EXAMPLE")
	s.answer("Secret access key: ", testSecret)
	// A new config section: add offers to write a region (issue 7).
	s.answer(`Region for profile "dev" (Enter for none): `, "eu-west-1")
	// A new keyring asks for its passphrase twice.
	s.answer("New passphrase for the credo file keyring ", "right horse battery")
	s.answer("Repeat the passphrase: ", "right horse battery")
	err, screen := s.wait()
	if err != nil {
		t.Fatalf("add: %v\n%s", err, screen)
	}
	if strings.Contains(screen, testSecret) {
		t.Fatalf("the secret was echoed:\n%s", screen)
	}
	if strings.Count(screen, "New passphrase for the credo file keyring") != 1 || strings.Count(screen, "Repeat the passphrase") != 1 {
		t.Fatalf("the new passphrase was not asked exactly twice:\n%s", screen)
	}
	if !strings.Contains(screen, `Added keys AKIAIOSFODNN7EXAMPLE for profile "dev"`) {
		t.Fatalf("no confirmation:\n%s", screen)
	}
	if cfg, err := os.ReadFile(filepath.Join(home, ".aws", "config")); err != nil || !strings.Contains(string(cfg), "[profile dev]\nregion = eu-west-1\n") {
		t.Fatalf("the config section lacks the region: %v\n%s", err, cfg)
	}

	// Replacing asks; "n" changes nothing. The keyring is unlocked: no
	// passphrase this time.
	s = startPTY(t, env, "add", "dev")
	s.answer("Access key ID: ", "AKIAI44QH8DHBEXAMPLE")
	s.answer("Secret access key: ", testSecret)
	s.answer("already has stored keys. Replace them? [y/N] ", "n")
	if err, screen := s.wait(); err == nil || !strings.Contains(screen, "credo: nothing changed") {
		t.Fatalf("declining the replacement: err=%v\n%s", err, screen)
	}

	// Once locked, a wrong passphrase is asked again, three times in all;
	// then one clear line, and nothing is written.
	lockLogin(t, env)
	s = startPTY(t, env, "add", "other")
	s.answer("Access key ID: ", "AKIAIOSFODNN7EXAMPLE")
	s.answer("Secret access key: ", testSecret)
	s.answer(`Region for profile "other" (Enter for none): `, "")
	s.answer("Passphrase for the credo file keyring: ", "wrong")
	s.answer("Wrong passphrase; try again: ", "wrong again")
	s.answer("Wrong passphrase; try again: ", "still wrong")
	err, screen = s.wait()
	if err == nil || !strings.Contains(screen, "wrong passphrase") || strings.Count(screen, "try again") != 2 {
		t.Fatalf("wrong passphrase: err=%v\n%s", err, screen)
	}

	// remove asks; "y" removes. It decrypts nothing, so it needs no passphrase.
	s = startPTY(t, env, "remove", "dev")
	s.answer(`Delete the stored keys and sessions of profile "dev"? [y/N] `, "y")
	if err, screen := s.wait(); err != nil || !strings.Contains(screen, `Removed profile "dev"`) {
		t.Fatalf("remove: err=%v\n%s", err, screen)
	}

	// The secret is in no file but the keyring's.
	_ = filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), testSecret) {
				t.Errorf("the secret is in %s", p)
			}
		}
		return nil
	})
}

// TestMalformedMFACodeIsAskedAgain: a code typed wrong on the terminal is
// asked for again, three times at most, and the command goes on with the
// good one (issue 7: a malformed code failed the command).
func TestMalformedMFACodeIsAskedAgain(t *testing.T) {
	sts := stsfake.NewTest(t)
	sts.SetMFACode("424242")
	sts.AddUser("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "tester")
	env := testHome(t, ptyConfig, sts)
	const again = "An MFA code is six digits; try again: "

	s := startPTY(t, env, "exec", "dev", "--", "sh", "-c", "echo got $AWS_ACCESS_KEY_ID")
	s.answer("Enter MFA code for arn:aws:iam::123456789012:mfa/tester", "4242")
	s.answer(again, "42424x")
	waitForCount(t, s.ctx, s.screen, again, 2)
	if _, err := s.tty.Write([]byte("424242\r")); err != nil {
		t.Fatal(err)
	}
	err, screen := s.wait()
	if err != nil || !strings.Contains(screen, "got ASIA") {
		t.Fatalf("exec: %v\n%s", err, screen)
	}
	if n := sts.Calls("GetSessionToken"); n != 1 {
		t.Errorf("%d GetSessionToken calls, want 1: a malformed code must not reach STS", n)
	}

	// Three malformed answers: one error line, and nothing reached STS.
	s = startPTY(t, env, "exec", "dev", "--no-session=false", "-d", "2h", "--", "true")
	s.answer("Enter MFA code for", "1")
	s.answer(again, "2")
	waitForCount(t, s.ctx, s.screen, again, 2)
	if _, err := s.tty.Write([]byte("3\r")); err != nil {
		t.Fatal(err)
	}
	err, screen = s.wait()
	if err == nil || !strings.Contains(screen, `credo: profile "dev": terminal: MFA code must be six digits (asked 3 times)`) {
		t.Fatalf("exec after three malformed codes: %v\n%s", err, screen)
	}
	if n := sts.Calls("GetSessionToken"); n != 1 {
		t.Errorf("%d GetSessionToken calls, want still 1", n)
	}
}

// waitForCount waits until the terminal has shown text n times.
func waitForCount(t *testing.T, ctx context.Context, b *testsvc.Buffer, text string, n int) {
	t.Helper()
	for strings.Count(b.String(), text) < n {
		if ctx.Err() != nil {
			t.Fatalf("the terminal never showed %q %d times; it shows %q", text, n, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
