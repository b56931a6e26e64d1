package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
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

// Opener returns a func that opens a URL with OpenCommand's command and
// waits for it. The command's output goes to stderr, so that stdout stays
// clean. Errors name the command, never the URL.
func Opener(getenv func(string) string, goos string, stderr io.Writer) func(ctx context.Context, url string) error {
	return func(ctx context.Context, url string) error {
		name, args := OpenCommand(getenv, goos)
		cmd := exec.CommandContext(ctx, name, append(args, url)...)
		cmd.Stdout = stderr
		cmd.Stderr = stderr
		if err := cmd.Run(); err != nil {
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
		return nil
	}
}
