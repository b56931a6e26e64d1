package prompt

// Rules of this file: the code is read from and the question written to the
// terminal itself, never standard input or output, which credential_process
// captures. Echo stays on (a TOTP code is short-lived and the person wants
// to see what they type), but the code is never logged or put in an error.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/credo-cli/credo/pkg/hint"
)

// maxLine bounds what is read from the terminal for one answer.
const maxLine = 256

type terminal struct {
	path string
}

// MFACode asks on the terminal and reads one line.
func (t *terminal) MFACode(ctx context.Context, serial, message string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	in, out, err := openTTY(t.path)
	if err != nil {
		return "", hint.Wrap(fmt.Errorf("no terminal to ask for the MFA code of %s: %w", serial, err), noTTYHint)
	}
	closeAll := func() { closePair(in, out) }
	if _, err := io.WriteString(out, messageFor(serial, message)); err != nil {
		closeAll()
		return "", fmt.Errorf("writing to the terminal: %w", err)
	}

	type answer struct {
		line string
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		line, err := readLine(in)
		done <- answer{line, err}
	}()
	select {
	case a := <-done:
		closeAll()
		if a.err != nil {
			return "", a.err
		}
		return checked("terminal", a.line)
	case <-ctx.Done():
		// Closing a terminal opened through the poller wakes the reader.
		io.WriteString(out, "\n")
		closeAll()
		return "", fmt.Errorf("waiting for the MFA code on the terminal: %w", ctx.Err())
	}
}

// readLine reads up to a newline. End of input before one (the terminal
// was closed or hung up) is an error, not an empty code.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(r, maxLine).ReadSlice('\n')
	switch {
	case err == nil:
		return strings.TrimRight(string(line), "\r\n"), nil
	case errors.Is(err, bufio.ErrBufferFull):
		return "", errors.New("terminal: answer too long")
	case errors.Is(err, io.EOF):
		return "", errors.New("terminal closed before an MFA code was entered")
	default:
		return "", fmt.Errorf("reading the terminal: %w", err)
	}
}
