package prompt

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/hint"
)

// The terminal tests re-run this test binary as a child process whose
// terminal they control. These variables switch it into that role.
const (
	childEnv        = "CREDO_PROMPT_TEST_CHILD"   // "terminal": ask on /dev/tty
	childResultEnv  = "CREDO_PROMPT_TEST_RESULT"  // file the child writes its outcome to
	childTimeoutEnv = "CREDO_PROMPT_TEST_TIMEOUT" // the child's context deadline
)

const testSerial = "arn:aws:iam::123456789012:mfa/alice"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "terminal" {
		os.Exit(terminalChild())
	}
	os.Exit(m.Run())
}

// terminalChild asks for a code with the terminal driver on /dev/tty and
// writes "code=..." or "err=...\nhint=..." to the result file.
func terminalChild() int {
	// Closing the pseudo-terminal's master hangs up the session: the
	// child must live on to report the error it got.
	signal.Ignore(syscall.SIGHUP)
	timeout, err := time.ParseDuration(os.Getenv(childTimeoutEnv))
	if err != nil {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var result string
	p, err := New(Options{Driver: "terminal", TTYPath: "/dev/tty"})
	if err == nil {
		var code string
		code, err = p.MFACode(ctx, testSerial, "")
		result = "code=" + code
	}
	if err != nil {
		result = fmt.Sprintf("err=%v\nhint=%s", err, hint.Of(err))
	}
	if err := os.WriteFile(os.Getenv(childResultEnv), []byte(result), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}
