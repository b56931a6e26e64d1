//go:build linux || darwin

package prompt

import (
	"context"
	"errors"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/credo-cli/credo/pkg/hint"
	"golang.org/x/sys/unix"
)

const wantPrompt = "Enter MFA code for " + testSerial + ": "

// child is this test binary running terminalChild.
type child struct {
	cmd            *exec.Cmd
	result         string
	stdout, stderr string
}

// startChild starts terminalChild in a new session. With tty set, the
// session's controlling terminal is tty; without, it has none. Its standard
// input is a pipe holding a wrong answer and its standard output and error
// are files: none of them is the terminal.
func startChild(t *testing.T, tty *os.File, timeout string) *child {
	t.Helper()
	dir := t.TempDir()
	c := &child{
		result: filepath.Join(dir, "result"),
		stdout: filepath.Join(dir, "stdout"),
		stderr: filepath.Join(dir, "stderr"),
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Whatever reads standard input would get this instead of the code.
	if _, err := stdinW.WriteString("999999\n"); err != nil {
		t.Fatal(err)
	}
	stdinW.Close()
	stdout, err := os.Create(c.stdout)
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.Create(c.stderr)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c.cmd = exec.CommandContext(ctx, os.Args[0])
	c.cmd.Env = append(os.Environ(),
		childEnv+"=terminal",
		childResultEnv+"="+c.result,
		childTimeoutEnv+"="+timeout)
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = stdinR, stdout, stderr
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if tty != nil {
		c.cmd.ExtraFiles = []*os.File{tty} // fd 3 in the child
		c.cmd.SysProcAttr.Setctty = true
		c.cmd.SysProcAttr.Ctty = 3
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdinR.Close()
	stdout.Close()
	stderr.Close()
	return c
}

// wait waits for the child and returns what it reported.
func (c *child) wait(t *testing.T) string {
	t.Helper()
	if err := c.cmd.Wait(); err != nil {
		stderr, _ := os.ReadFile(c.stderr)
		t.Fatalf("child: %v\n%s", err, stderr)
	}
	result, err := os.ReadFile(c.result)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{c.stdout, c.stderr} {
		if out, _ := os.ReadFile(name); len(out) > 0 {
			t.Errorf("the terminal driver wrote to %s: %q", filepath.Base(name), out)
		}
	}
	return string(result)
}

// openPTY returns a pseudo-terminal's terminal end, a buffer that collects
// everything written to the terminal, and the master's writer and closer.
//
// creack/pty leaves the master in blocking mode, where Close cannot end a
// Read already waiting: the reader polls first, so the master can really
// be closed while the test runs (a hang-up of the terminal).
func openPTY(t *testing.T) (tty *os.File, screen *testsvc.Buffer, write func(string), closeMaster func()) {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	screen = &testsvc.Buffer{}
	stop := make(chan struct{})
	copied := make(chan struct{})
	fd := int(master.Fd())
	go func() {
		defer close(copied)
		buf := make([]byte, 1024)
		for {
			select {
			case <-stop:
				return
			default:
			}
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(fds, 20)
			if errors.Is(err, unix.EINTR) || n == 0 {
				continue
			}
			if err != nil || fds[0].Revents&unix.POLLIN == 0 {
				return // hung up: no terminal end is open any more
			}
			m, err := master.Read(buf)
			screen.Write(buf[:m])
			if err != nil {
				return
			}
		}
	}()
	var once sync.Once
	closeMaster = func() {
		once.Do(func() {
			close(stop)
			<-copied
			master.Close()
		})
	}
	write = func(s string) {
		t.Helper()
		if _, err := master.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		tty.Close()
		closeMaster()
	})
	return tty, screen, write, closeMaster
}

// waitFor waits until the screen shows text.
func waitFor(t *testing.T, screen *testsvc.Buffer, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(screen.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows %q", text, screen.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTerminalAsksOnTheControllingTerminal(t *testing.T) {
	tty, screen, write, _ := openPTY(t)
	c := startChild(t, tty, "20s")
	tty.Close()
	waitFor(t, screen, wantPrompt)
	write("314159\n")
	if got := c.wait(t); got != "code=314159" {
		t.Fatalf("child reported %q, want the code typed on the terminal", got)
	}
}

func TestTerminalClosedWhileAskingIsAnError(t *testing.T) {
	tty, screen, _, closeMaster := openPTY(t)
	c := startChild(t, tty, "20s")
	tty.Close()
	waitFor(t, screen, wantPrompt)
	closeMaster()
	got := c.wait(t)
	t.Logf("child reported %q", got)
	if !strings.HasPrefix(got, "err=") || strings.Contains(got, "deadline") {
		t.Fatalf("child reported %q, want a terminal error before its deadline", got)
	}
}

func TestTerminalGivesUpAtTheContextDeadline(t *testing.T) {
	tty, screen, _, _ := openPTY(t)
	c := startChild(t, tty, "300ms")
	tty.Close()
	waitFor(t, screen, wantPrompt)
	got := c.wait(t)
	if !strings.HasPrefix(got, "err=") || !strings.Contains(got, "context deadline exceeded") {
		t.Fatalf("child reported %q, want the context deadline", got)
	}
}

func TestTerminalWithoutControllingTerminalFailsAtOnce(t *testing.T) {
	// A deadline the child would hit if it waited: the error must be the
	// missing terminal instead.
	c := startChild(t, nil, "5s")
	got := c.wait(t)
	if !strings.HasPrefix(got, "err=no terminal to ask for the MFA code of "+testSerial) {
		t.Fatalf("child reported %q, want the missing terminal", got)
	}
	for _, want := range []string{"--mfa-token", "mfa_process", "CREDO_PROMPT"} {
		if !strings.Contains(got, "\nhint=") || !strings.Contains(got[strings.Index(got, "\nhint="):], want) {
			t.Errorf("child reported %q, want a hint naming %s", got, want)
		}
	}
}

// The remaining tests talk to the pseudo-terminal by its path from this
// process.

// waitForCount waits until the terminal has shown text n times.
func waitForCount(t *testing.T, screen *testsvc.Buffer, text string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(screen.String(), text) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q %d times; it shows %q", text, n, screen.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Issue 7: a malformed code typed on the terminal is asked again, up to
// three times, instead of failing the command. Each case types its answers,
// one after each question.
func TestTerminalAsksAgainForAMalformedCode(t *testing.T) {
	const again = "An MFA code is six digits; try again: "
	for _, tc := range []struct {
		name    string
		answers []string
		code    string
		err     string
	}{
		{"a good code on the third try", []string{"12a456", "12345", " 424242 "}, "424242", ""},
		{"three malformed answers", []string{"12a456", "1234567", ""}, "", "terminal: MFA code must be six digits (asked 3 times)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tty, screen, write, _ := openPTY(t)
			p, err := New(Options{TTYPath: tty.Name()})
			if err != nil {
				t.Fatal(err)
			}
			var code string
			done := make(chan struct{})
			go func() {
				defer close(done)
				code, err = p.MFACode(context.Background(), testSerial, "Code please: ")
			}()
			waitFor(t, screen, "Code please: ")
			for i, a := range tc.answers {
				if i > 0 {
					waitForCount(t, screen, again, i)
				}
				write(a + "\n")
			}
			<-done
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if code != tc.code || gotErr != tc.err {
				t.Fatalf("MFACode = %q, %v; want %q, %q", code, err, tc.code, tc.err)
			}
			if n := strings.Count(screen.String(), again); n != len(tc.answers)-1 {
				t.Errorf("asked again %d times, want %d: %q", n, len(tc.answers)-1, screen.String())
			}
		})
	}
}

func TestTerminalTrimsTheAnswer(t *testing.T) {
	tty, screen, write, _ := openPTY(t)
	p, err := New(Options{Driver: "terminal", TTYPath: tty.Name()})
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		code string
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		code, err := p.MFACode(context.Background(), testSerial, "")
		done <- answer{code, err}
	}()
	waitFor(t, screen, wantPrompt)
	write("  271828 \r") // Enter sends CR; the terminal turns it into NL
	if a := <-done; a.err != nil || a.code != "271828" {
		t.Fatalf("MFACode = %q, %v, want 271828", a.code, a.err)
	}
}

func TestTerminalMissingIsHinted(t *testing.T) {
	p, err := New(Options{TTYPath: filepath.Join(t.TempDir(), "no-tty")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.MFACode(context.Background(), testSerial, "")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(hint.Of(err), "--mfa-token") {
		t.Fatalf("MFACode error = %v (hint %q), want the open error with a hint", err, hint.Of(err))
	}
}
