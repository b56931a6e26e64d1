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
