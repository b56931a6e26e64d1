package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/term"
)

// The prompts of this file talk to the controlling terminal, never to
// stdin/stdout: `credo export` runs as a credential_process whose stdout the
// SDK captures, and `credo add` may read keys from a pipe.

func ttyPath() string {
	if runtime.GOOS == "windows" {
		return "CONIN$"
	}
	return "/dev/tty"
}

var errNoTTY = errors.New("no terminal to ask on")

func openTTY() (*os.File, error) {
	tty, err := os.OpenFile(ttyPath(), os.O_RDWR, 0)
	if err != nil {
		return nil, errNoTTY
	}
	return tty, nil
}

// readSecretFromTTY asks on the terminal without echoing the answer. Echo
// is off before the question shows, so that an answer typed at once is not
// echoed either.
func readSecretFromTTY(question string) (string, error) {
	tty, err := openTTY()
	if err != nil {
		return "", err
	}
	defer tty.Close()
	if restore, err := echoOff(int(tty.Fd())); err == nil {
		defer restore()
	}
	fmt.Fprint(tty, question)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", fmt.Errorf("reading from the terminal: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// readLineFromTTY asks on the terminal and echoes the answer.
func readLineFromTTY(question string) (string, error) {
	tty, err := openTTY()
	if err != nil {
		return "", err
	}
	defer tty.Close()
	fmt.Fprint(tty, question)
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading from the terminal: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// confirmOnTTY asks a yes/no question; anything but y/yes is no.
func confirmOnTTY(question string) (bool, error) {
	ans, err := readLineFromTTY(question + " [y/N] ")
	if err != nil {
		return false, err
	}
	ans = strings.ToLower(ans)
	return ans == "y" || ans == "yes", nil
}

// noticeWriter sends progress notices (waiting for another credo process)
// where a person sees them: stderr when it is a terminal,
// else the controlling terminal, since an SDK running credo as its
// credential_process captures stderr; stderr when there is no terminal.
type noticeWriter struct {
	stderr    io.Writer
	stderrTTY bool
	once      sync.Once
	tty       *os.File
}

func (w *noticeWriter) Write(p []byte) (int, error) {
	if w.stderrTTY {
		return w.stderr.Write(p)
	}
	w.once.Do(func() {
		if tty, err := os.OpenFile(ttyPath(), os.O_WRONLY, 0); err == nil {
			w.tty = tty
		}
	})
	if w.tty != nil {
		return w.tty.Write(p)
	}
	return w.stderr.Write(p)
}
