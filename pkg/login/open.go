package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"time"

	"github.com/credo-cli/credo/pkg/harden"
)

// OpenCommand returns the command that opens a URL: $BROWSER when it is set
// (one command: the URL is its only argument, and BROWSER is not split),
// else the system's opener for goos (open on darwin, rundll32's URL handler
// on windows, xdg-open elsewhere). The URL is appended to the returned args.
func OpenCommand(getenv func(string) string, goos string) (name string, args []string) {
	if getenv != nil {
		if b := getenv("BROWSER"); b != "" {
			return b, nil
		}
	}
	switch goos {
	case "darwin":
		return "open", nil
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler"}
	}
	return "xdg-open", nil
}

// Opener returns a func that opens a URL with OpenCommand's command. It
// waits for the command only a moment (openWait): long enough to report a
// command that fails at once, not so long that a browser that stays open
// (a text browser, a browser started cold) holds credo up; such a browser
// is left running. The command's output goes to stderr, so that stdout
// stays clean. Errors name the command, never the URL.
func Opener(getenv func(string) string, goos string, stderr io.Writer) func(ctx context.Context, url string) error {
	return func(ctx context.Context, url string) error {
		name, args := OpenCommand(getenv, goos)
		// Not CommandContext: the browser must outlive the request.
		cmd := exec.Command(name, append(args, url)...)
		cmd.Stdout = stderr
		cmd.Stderr = stderr
		fail := func(err error) error {
			// Both quote the command's name, which the message has already.
			var ee *exec.Error
			var pe *fs.PathError
			switch {
			case errors.As(err, &ee):
				err = ee.Err
			case errors.As(err, &pe):
				err = pe.Err
			}
			return fmt.Errorf("open the browser with %q: %w", name, err)
		}
		// A browser started cold outlives credo, and runs whatever it
		// is given: it gets nothing credo holds in memory.
		if err := harden.ForChild(cmd.Start); err != nil {
			return fail(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				return fail(err)
			}
		case <-time.After(openWait):
		case <-ctx.Done():
		}
		return nil
	}
}

// openWait is how long Opener waits for the opening command to fail.
const openWait = 2 * time.Second
