//go:build !windows

package prompt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFromProcess(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command string
		env     []string
		want    string
		wantErr string
	}{
		{name: "prints a code", command: "echo 123456", want: "123456"},
		{name: "surrounding whitespace is trimmed", command: `printf '  654321 \n\n'`, want: "654321"},
		{name: "gets the given environment", command: `printf '%s\n' "$FAKE_CODE"`, env: []string{"FAKE_CODE=111222"}, want: "111222"},
		{name: "a failing command gives its exit status only", command: "echo 424242; exit 3", wantErr: "mfa_process failed: exit status 3"},
		{name: "output that is not a code is refused", command: "echo hunter2", wantErr: "mfa_process: MFA code must be six digits"},
		{name: "no output is refused", command: "true", wantErr: "mfa_process: MFA code must be six digits"},
		{name: "an empty command is refused", command: " ", wantErr: "mfa_process is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := FromProcess(ctx, tc.command, tc.env)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("FromProcess(%q) error = %v, want %q", tc.command, err, tc.wantErr)
				}
				for _, secret := range []string{"424242", "hunter2"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q repeats the command's output", err)
					}
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("FromProcess(%q) = %q, %v, want %q", tc.command, got, err, tc.want)
			}
		})
	}
}

func TestFromProcessStopsAtTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	// The grandchild keeps stdout open after the shell is killed: the
	// wait must still end. (Its stderr is not the test binary's, which go
	// test would wait for.)
	_, err := FromProcess(ctx, "exec 2>/dev/null; sleep 8 & sleep 8", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FromProcess error = %v, want the context deadline", err)
	}
}
