package audit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A process whose name holds spaces and brackets: its name and parent are
// still read right (the name ends at the last ')').
func TestProcStatOddName(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	odd := filepath.Join(t.TempDir(), "a) b (c")
	if err := os.Symlink(sleep, odd); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(odd, "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	name, ppid := procStat(cmd.Process.Pid)
	if name != "a) b (c" || ppid != os.Getpid() {
		t.Fatalf("procStat = %q, %d; want %q, %d", name, ppid, "a) b (c", os.Getpid())
	}
	if name, ppid := procStat(1 << 30); name != "" || ppid != 0 {
		t.Fatalf("procStat of no process = %q, %d", name, ppid)
	}
}
