package lock

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// childEnv switches the test binary into a helper process: TestMain runs
// the named mode instead of the tests, so that the tests can make several
// real processes contend for one lock.
const childEnv = "CREDO_LOCK_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

func runChild(mode string) int {
	l := &Locker{Dir: os.Getenv("LOCK_DIR"), Wait: time.Minute}
	key := os.Getenv("LOCK_KEY")
	ctx := context.Background()
	switch mode {
	case "append":
		// Each round: take the lock, write "start PID", pause so that a
		// broken lock would let another process write in between, then
		// write "end PID" and let go.
		rounds, _ := strconv.Atoi(os.Getenv("LOCK_ROUNDS"))
		pid := os.Getpid()
		for range rounds {
			unlock, err := l.Lock(ctx, key)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 1
			}
			if err := appendLine(os.Getenv("LOCK_FILE"), fmt.Sprintf("start %d", pid)); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 1
			}
			time.Sleep(5 * time.Millisecond)
			if err := appendLine(os.Getenv("LOCK_FILE"), fmt.Sprintf("end %d", pid)); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 1
			}
			unlock()
		}
		return 0
	case "hold":
		// Take the lock, say so, and keep it until killed or until
		// standard input closes.
		unlock, err := l.Lock(ctx, key)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		fmt.Println("locked")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		unlock()
		return 0
	}
	fmt.Fprintln(os.Stderr, "child: unknown mode", mode)
	return 2
}

func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// child starts the test binary in mode with extra environment.
func child(t *testing.T, mode string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + mode}, env...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// holder starts a child that holds key in dir and returns once it does.
// Closing the returned stdin releases the lock; the child is killed at the
// end of the test in any case.
func holder(t *testing.T, dir, key string) (*exec.Cmd, func()) {
	t.Helper()
	cmd := child(t, "hold", "LOCK_DIR="+dir, "LOCK_KEY="+key)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case line := <-got:
		if line != "locked" {
			t.Fatalf("holder child said %q, want \"locked\"", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("holder child did not take the lock within 30s")
	}
	return cmd, func() { stdin.Close() }
}
