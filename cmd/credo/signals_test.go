//go:build linux || darwin

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestExecServerPassesSignalsAndStatus: with --server, credo runs the
// command as its child; SIGTERM sent to credo reaches the command, and the
// command's exit status is credo's (issue 3).
func TestExecServerPassesSignalsAndStatus(t *testing.T) {
	fake := stsfake.NewTest(t)
	fake.AcceptUnknownKeys(true)
	env := testHome(t, "[profile dev]\nregion = us-east-1\n", fake)
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The child marks itself ready, then exits 42 on SIGTERM.
	cmd := exec.CommandContext(ctx, "credo", "exec", "--server", "dev", "--", "sh", "-c",
		`trap 'exit 42' TERM; touch "$READY"; while :; do sleep 0.1; done`)
	cmd.Env = append(env, "READY="+ready)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the command never started: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 42 {
		t.Fatalf("credo exited with %v, want the command's status 42; stderr:\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "credo:") {
		t.Fatalf("credo printed an error for the command's own status:\n%s", stderr.String())
	}
}
