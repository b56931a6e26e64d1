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

// codeTries is how many times the terminal asks when the answer is not a
// code (a digit too few, a letter): a typo is not worth a failed command.
const codeTries = 3

// MFACode asks on the terminal and reads one line, asking again up to
// codeTries times while the answer is not six digits.
func (t *terminal) MFACode(ctx context.Context, serial, message string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	in, out, err := openTTY(t.path)
	if err != nil {
		return "", hint.Wrap(fmt.Errorf("no terminal to ask for the MFA code of %s: %w", serial, err), noTTYHint)
	}
	defer closePair(in, out)
	r := bufio.NewReaderSize(in, maxLine)
	question := messageFor(serial, message)
	for try := 1; ; try++ {
		if _, err := io.WriteString(out, question); err != nil {
			return "", fmt.Errorf("writing to the terminal: %w", err)
		}
		line, err := readAnswer(ctx, r, out)
		if err != nil {
			return "", err
		}
		code, err := checked("terminal", line)
		if err == nil {
			return code, nil
		}
		if try == codeTries {
			return "", fmt.Errorf("%w (asked %d times)", err, codeTries)
		}
		question = "An MFA code is six digits; try again: "
	}
}

// readAnswer reads one line from r, or gives up when ctx ends.
func readAnswer(ctx context.Context, r *bufio.Reader, out io.Writer) (string, error) {
	type answer struct {
		line string
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		line, err := readLine(r)
		done <- answer{line, err}
	}()
	select {
	case a := <-done:
		return a.line, a.err
	case <-ctx.Done():
		// The caller closes the terminal, which wakes the reader (a
		// terminal opened through the poller).
		io.WriteString(out, "\n")
		return "", fmt.Errorf("waiting for the MFA code on the terminal: %w", ctx.Err())
	}
}

// readLine reads up to a newline. End of input before one (the terminal
// was closed or hung up) is an error, not an empty code.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
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
