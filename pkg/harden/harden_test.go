//go:build linux

package harden

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// TestProcess runs in a child of the test (hardening is for a whole
// process), started with a soft core limit of 4 blocks: the child is
// non-dumpable with a core limit of 0, and a command it starts inside
// WithUserCoreLimit gets the 4 back.
func TestProcess(t *testing.T) {
	if os.Getenv("HARDEN_CHILD") == "1" {
		if err := hardenedChild(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			os.Exit(1)
		}
		return
	}
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &l); err != nil {
		t.Fatal(err)
	}
	if l.Max < 4096 {
		t.Skipf("the hard core limit is %d: cannot start the child with a soft limit above 0", l.Max)
	}
	cmd := exec.Command("sh", "-c", `ulimit -S -c 4 && exec "$0" "$@"`, os.Args[0], "-test.run=^TestProcess$")
	cmd.Env = append(os.Environ(), "HARDEN_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

func hardenedChild() error {
	if err := Process(); err != nil {
		return fmt.Errorf("Process: %w", err)
	}
	d, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_GET_DUMPABLE, 0, 0)
	if errno != 0 || d != 0 {
		return fmt.Errorf("dumpable = %d (%v), want 0", d, errno)
	}
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &l); err != nil || l.Cur != 0 {
		return fmt.Errorf("core limit %d (%v), want 0", l.Cur, err)
	}
	if out, err := exec.Command("sh", "-c", "ulimit -S -c").Output(); err != nil || string(out) != "0\n" {
		return fmt.Errorf("a command started outside WithUserCoreLimit: ulimit -c = %q, %v; want 0", out, err)
	}
	var out []byte
	err := WithUserCoreLimit(func() error {
		var err error
		out, err = exec.Command("sh", "-c", "ulimit -S -c").Output()
		return err
	})
	if err != nil || string(out) != "4\n" {
		return fmt.Errorf("the user's command: ulimit -c = %q, %v; want 4", out, err)
	}
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &l); err != nil || l.Cur != 0 {
		return fmt.Errorf("core limit after WithUserCoreLimit %d (%v), want 0", l.Cur, err)
	}
	return nil
}
