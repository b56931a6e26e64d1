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
	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// TestExecServerPassesSignalsAndStatus: with --server, credo runs the
// command as its child; SIGTERM sent to credo reaches the command, and the
// command's exit status is credo's (issue 3).
func TestExecServerPassesSignalsAndStatus(t *testing.T) {
	fake := stsfake.NewTest(t)
	fake.AcceptUnknownKeys(true)
	env := testHome(t, "[profile dev]\nregion = us-east-1\n", fake)
	// The child marks itself ready, then exits 42 on SIGTERM.
	code, stderr := signalExecServer(t, env, "--server", `trap 'exit 42' TERM; touch "$READY"; while :; do sleep 0.1; done`, syscall.SIGTERM)
	if code != 42 {
		t.Fatalf("credo exited with %d, want the command's status 42; stderr:\n%s", code, stderr)
	}
	if strings.Contains(stderr, "credo:") {
		t.Fatalf("credo printed an error for the command's own status:\n%s", stderr)
	}
}

// signalExecServer starts `credo exec FLAG dev -- sh -c SCRIPT`, waits for
// the script to create $READY, sends sig to credo, and returns credo's exit
// status and standard error.
func signalExecServer(t *testing.T, env []string, flag, script string, sig syscall.Signal) (int, string) {
	t.Helper()
	return signalCredo(t, env, sig, "exec", flag, "dev", "--", "sh", "-c", script)
}

// signalCredo starts credo with args, waits for what it runs to create
// $READY, sends sig to credo, and returns credo's exit status (it must
// fail) and standard error.
func signalCredo(t *testing.T, env []string, sig syscall.Signal, args ...string) (int, string) {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "credo", args...)
	cmd.Env = append(env, "READY="+ready)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, ctx, ready)
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("credo exited with %v; stderr:\n%s", err, stderr.String())
	}
	return ee.ExitCode(), stderr.String()
}

// waitForFile waits until path exists.
func waitForFile(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("%s never appeared", filepath.Base(path))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExecServerOutlivesTerminalSignals: Ctrl-C and Ctrl-\ neither kill
// credo under its command nor make it dump its goroutines; sent to credo
// alone (not from the terminal), they reach the command, whose status is
// credo's (issue 11, item 4).
func TestExecServerOutlivesTerminalSignals(t *testing.T) {
	fake := stsfake.NewTest(t)
	fake.AcceptUnknownKeys(true)
	env := testHome(t, "[profile dev]\nregion = us-east-1\n", fake)
	for _, tc := range []struct {
		flag   string
		sig    syscall.Signal
		name   string
		status int
	}{
		{"--server", syscall.SIGQUIT, "QUIT", 43},
		{"--server", syscall.SIGINT, "INT", 44},
		{"--ec2-server", syscall.SIGQUIT, "QUIT", 43},
		{"--ec2-server", syscall.SIGHUP, "HUP", 45},
	} {
		t.Run(tc.flag+" "+tc.name, func(t *testing.T) {
			// The command marks itself ready, then exits with its own
			// status on each signal.
			code, stderr := signalExecServer(t, env, tc.flag,
				`trap 'exit 43' QUIT; trap 'exit 44' INT; trap 'exit 45' HUP; touch "$READY"; while :; do sleep 0.1; done`, tc.sig)
			if code != tc.status {
				t.Fatalf("credo exited with %d, want the command's status %d; stderr:\n%s", code, tc.status, stderr)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "credo:") {
				t.Fatalf("credo printed on its way out:\n%s", stderr)
			}
		})
	}
}

// TestExecServerLogsWithDebug: the endpoints of exec --server and
// --ec2-server log each request through --debug, as their 500 answer tells
// the user to look there (issue 11, item 3).
func TestExecServerLogsWithDebug(t *testing.T) {
	curl := testsvc.Need(t, "curl")
	fake := stsfake.NewTest(t)
	fake.AcceptUnknownKeys(true)
	env := testHome(t, "[profile dev]\nregion = us-east-1\n", fake)
	for _, tc := range []struct{ flag, script, want string }{
		{"--server", `"$CURL" -s -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" >/dev/null`, "endpoint=container"},
		{"--ec2-server", `t=$("$CURL" -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/api/token"); "$CURL" -s -H "X-aws-ec2-metadata-token: $t" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/meta-data/iam/security-credentials/" >/dev/null`, `endpoint="instance metadata"`},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			cmd := exec.Command("credo", "--debug", "exec", tc.flag, "dev", "--", "sh", "-c", tc.script)
			cmd.Env = append(env, "CURL="+curl)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if !strings.Contains(string(out), "credential request") || !strings.Contains(string(out), tc.want) {
				t.Errorf("no request in the --debug output:\n%s", out)
			}
		})
	}
}

// TestExecServerCtrlBackslashOnATerminal: Ctrl-\ typed on credo's terminal
// reaches the command once (the terminal sends it to the whole foreground
// group; credo adds no second copy), and credo, alive, serves the command to
// its end without a goroutine dump (issue 11, item 4).
func TestExecServerCtrlBackslashOnATerminal(t *testing.T) {
	fake := stsfake.NewTest(t)
	fake.AcceptUnknownKeys(true)
	env := testHome(t, "[profile dev]\nregion = us-east-1\n", fake)
	dir := t.TempDir()
	ready, stop, log := filepath.Join(dir, "ready"), filepath.Join(dir, "stop"), filepath.Join(dir, "log")
	env = append(env, "READY="+ready, "STOP="+stop, "LOG="+log)
	s := startPTY(t, env, "exec", "--server", "dev", "--", "sh", "-c",
		`trap 'echo quit >> "$LOG"' QUIT; touch "$READY"; while [ ! -f "$STOP" ]; do sleep 0.05; done; exit 7`)
	waitForFile(t, s.ctx, ready)
	if _, err := s.tty.Write([]byte{0x1c}); err != nil { // Ctrl-\
		t.Fatal(err)
	}
	waitForFile(t, s.ctx, log)         // the command got SIGQUIT
	time.Sleep(300 * time.Millisecond) // room for a second copy, if credo sent one
	if err := os.WriteFile(stop, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err, screen := s.wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("credo exited with %v, want the command's status 7; terminal:\n%s", err, screen)
	}
	if strings.Contains(screen, "goroutine") || strings.Contains(screen, "credo:") {
		t.Fatalf("credo printed on its way out:\n%s", screen)
	}
	if got, _ := os.ReadFile(log); string(got) != "quit\n" {
		t.Errorf("the command got SIGQUIT %d times, want once", strings.Count(string(got), "quit"))
	}
}

// TestInterruptedWaitSaysSo: Ctrl-C or SIGTERM while credo waits for a
// credential_process ends it with one line that says credo was
// interrupted, not Go's "context canceled".
func TestInterruptedWaitSaysSo(t *testing.T) {
	script := filepath.Join(t.TempDir(), "slow.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch \"$READY\"\nexec sleep 30\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := testHome(t, "[profile slow]\ncredential_process = "+script+"\n", stsfake.NewTest(t))
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		_, stderr := signalCredo(t, env, sig, "export", "slow")
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if len(lines) != 1 || !strings.HasSuffix(lines[0], "credo was interrupted (Ctrl-C or a signal)") {
			t.Errorf("%v: stderr:\n%s", sig, stderr)
		}
	}
}
