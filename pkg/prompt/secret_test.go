package prompt

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestSecretThroughDialogs: the passphrase dialog hides what is typed, puts
// only the question in argv, and hands back the answer as typed (not
// checked as an MFA code).
func TestSecretThroughDialogs(t *testing.T) {
	for driver, hidden := range map[string]string{DriverZenity: "--hide-text", DriverKdialog: "--password", DriverOsascript: "with hidden answer"} {
		var argv []string
		opts := Options{Driver: driver, LookPath: func(n string) (string, error) { return "/fake/" + n, nil },
			Run: func(_ context.Context, name string, args ...string) ([]byte, error) {
				argv = append([]string{name}, args...)
				return []byte("correct horse battery staple\n"), nil
			}}
		got, err := Secret(context.Background(), opts, "Passphrase for the credo file keyring: ")
		if err != nil || got != "correct horse battery staple" {
			t.Fatalf("%s: %q, %v", driver, got, err)
		}
		if !slices.ContainsFunc(argv, func(a string) bool { return strings.Contains(a, hidden) }) ||
			!slices.Contains(argv, "Passphrase for the credo file keyring: ") || argv[0] != "/fake/"+driver {
			t.Errorf("%s: argv %q", driver, argv)
		}
	}
	cancel := Options{Driver: DriverZenity, LookPath: func(n string) (string, error) { return n, nil },
		Run: func(ctx context.Context, name string, args ...string) ([]byte, error) {
			return nil, exec.CommandContext(ctx, "false").Run()
		}}
	if _, err := Secret(context.Background(), cancel, "q"); err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("cancel: %v", err)
	}
	if _, err := Secret(context.Background(), Options{Driver: DriverTerminal}, "q"); err == nil {
		t.Error("the terminal driver answered through Secret")
	}
}
