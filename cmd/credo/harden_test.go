//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestNoCoreDumps: credo runs with a core limit of 0 (and non-dumpable, see
// pkg/harden), while the user's command gets the limit credo started with,
// through exec --server (credo-core the parent) and through a plain exec
// of a cached session (the front's execve) (issue 11, item 10).
func TestNoCoreDumps(t *testing.T) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &l); err != nil || l.Max < 4096 {
		t.Skipf("the hard core limit is %d (%v): cannot start credo with a soft limit above 0", l.Max, err)
	}
	fake := stsfake.NewTest(t)
	fake.AcceptUnknownKeys(true)
	env := testHome(t, "[profile dev]\nregion = us-east-1\n", fake)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("sh", append([]string{"-c", `ulimit -S -c 4 && exec "$@"`, "sh", "credo"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("credo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// credo gives its own limit back to the command for the moment of the
	// start, and sets it to 0 again once the start returns: on a loaded
	// machine the command can run first. So the command reads credo's
	// limit until it is 0 (or 30 s have passed, when it never will be).
	out := run("exec", "--server", "dev", "--", "sh", "-c", `echo "child $(ulimit -S -c)"
for i in $(seq 300); do
	soft=$(awk '/^Max core file size/ { print $5 }' /proc/$PPID/limits)
	[ "$soft" = 0 ] && break
	sleep 0.1
done
echo "credo $soft"`)
	if !strings.Contains(out, "credo 0\n") {
		t.Errorf("credo's core limit: %q, want a soft limit of 0", out)
	}
	if !strings.Contains(out, "child 4\n") {
		t.Errorf("the command's core limit: %q, want 4 back", out)
	}
	// The session is cached now: the front serves this one itself.
	if out := run("exec", "dev", "--", "sh", "-c", `echo "child $(ulimit -S -c)"`); out != "child 4\n" {
		t.Errorf("the command's core limit through the front: %q, want 4", out)
	}
}

// TestFrontHasNoCoreDumps: the front (cmd/credo), which reads cached
// sessions itself, sets its own core limit to 0 too. It is caught alive by
// giving it a standard output that is full: `credo version` (which the
// front answers alone) blocks writing it.
func TestFrontHasNoCoreDumps(t *testing.T) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &l); err != nil || l.Max < 4096 {
		t.Skipf("the hard core limit is %d (%v): cannot start credo with a soft limit above 0", l.Max, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Fill the pipe: nothing reads it until the end.
	chunk := make([]byte, 4096)
	for {
		if err := w.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			t.Skipf("pipe without deadlines: %v", err)
		}
		if _, err := w.Write(chunk); err != nil {
			break
		}
	}
	cmd := exec.Command("sh", "-c", `ulimit -S -c 4 && exec credo version`)
	cmd.Env = testHome(t, "", stsfake.NewTest(t))
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer func() {
		r.Close() // the front's write fails; it exits
		_ = cmd.Wait()
	}()
	limits := fmt.Sprintf("/proc/%d/limits", cmd.Process.Pid)
	comm := fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid)
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, _ := os.ReadFile(comm)
		b, _ := os.ReadFile(limits)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "Max core file size") {
				last = strings.TrimSpace(string(c)) + ": " + line
			}
		}
		if f := strings.Fields(last); len(f) > 5 && f[0] == "credo:" && f[5] == "0" {
			return
		}
	}
	t.Fatalf("the front's core limit: %q, want a soft limit of 0", last)
}
