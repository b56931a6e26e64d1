//go:build linux

package main

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"

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
	out := run("exec", "--server", "dev", "--", "sh", "-c", `grep '^Max core file size' /proc/$PPID/limits; echo "child $(ulimit -S -c)"`)
	if f := strings.Fields(out); len(f) < 5 || f[4] != "0" {
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
