//go:build linux || darwin

package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/lock"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestLockTimeoutSetting: a process that waits for another one fetching the
// same credentials says so after a second and gives up after the
// lock_timeout setting, with a hint naming it (issue 4). The lock is held by
// this test, standing in for a credo process stuck at an MFA prompt.
func TestLockTimeoutSetting(t *testing.T) {
	fake := stsfake.NewTest(t)
	fake.AcceptUnknownKeys(true)
	env := testHome(t, "[profile dev]\nregion = us-east-1\n", fake)
	get := func(k string) string {
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v
			}
		}
		return ""
	}
	cfg, err := config.LoadLazily(config.DefaultFiles(get, get("HOME")))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := cfg.Chain("dev")
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := plan.TargetKey(chain, plan.Options{}, get)
	if err != nil {
		t.Fatal(err)
	}
	held := &lock.Locker{Dir: filepath.Join(get("XDG_RUNTIME_DIR"), "credo")}
	unlock, err := held.Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}

	run := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "credo", "export", "--format", "json", "dev")
		cmd.Env = append(env, "CREDO_LOCK_TIMEOUT=1500ms")
		// No controlling terminal: the waiting notice falls back to stderr.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		return stderr.String(), err
	}
	stderr, err := run()
	if err == nil {
		t.Fatal("credo did not wait for the held lock")
	}
	for _, want := range []string{
		"credo: waiting for another credo process",
		"credo: profile \"dev\": timed out after 1.5s waiting for another credo process",
		"credo: hint: ",
		"CREDO_LOCK_TIMEOUT",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := fake.Calls("GetSessionToken"); n != 0 {
		t.Fatalf("a waiting process called STS %d times", n)
	}

	unlock()
	if stderr, err := run(); err != nil {
		t.Fatalf("after the lock was released: %v\n%s", err, stderr)
	}
	if n := fake.Calls("GetSessionToken"); n != 1 {
		t.Fatalf("GetSessionToken calls = %d, want 1", n)
	}
}
