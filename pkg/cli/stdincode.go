package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxCodeLine bounds the line `--mfa-token -` reads: a code is 6 digits.
const maxCodeLine = 64

// stdinCode reads the MFA code of `--mfa-token -` from standard input, once
// per process: one line, read a byte at a time so that nothing after it is
// taken from exec's command, which shares the stream.
func (f *Factory) stdinCode() (string, error) {
	f.stdinCodeOnce.Do(func() { f.stdinCodeVal, f.stdinCodeErr = readCodeLine(f.env.IO.In) })
	return f.stdinCodeVal, f.stdinCodeErr
}

func readCodeLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no standard input to read the code from")
	}
	var line []byte
	var b [1]byte
	for len(line) <= maxCodeLine {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading the code from standard input: %w", err)
		}
	}
	if len(line) > maxCodeLine {
		return "", fmt.Errorf("the first line of standard input is longer than %d characters, not an MFA code", maxCodeLine)
	}
	code := strings.TrimSpace(string(line))
	if code == "" {
		return "", errors.New("standard input held no code (give it as its first line, e.g. echo 123456 | credo ... -t -)")
	}
	return code, nil
}
