package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestDebugNeverShowsSecrets: --debug writes diagnostics, and none of the
// secrets of the run: not the long-term secret, not the temporary secret or
// token, not the MFA code, not the keyring passphrase.
func TestDebugNeverShowsSecrets(t *testing.T) {
	fake := stsfake.NewTest(t)
	fake.AcceptUnknownKeys(true)
	fake.SetMFACode("918273")
	env := testHome(t, `[profile dev]
region = us-east-1
mfa_serial = arn:aws:iam::123456789012:mfa/tester

[profile prod]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/prod
mfa_serial = arn:aws:iam::123456789012:mfa/tester
`, fake)
	for _, args := range [][]string{
		{"--debug", "export", "--format", "json", "--mfa-token", "918273", "prod"},
		{"--debug", "export", "--format", "json", "prod"}, // from the cache
		{"--debug", "export", "--format", "json", "--no-session", "dev"},
	} {
		cmd := exec.Command("credo", args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		var out struct{ SecretAccessKey, SessionToken string }
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stderr.String(), "level=DEBUG") {
			t.Fatalf("%v: --debug printed no diagnostics:\n%s", args, stderr.String())
		}
		for name, secret := range map[string]string{
			"secret key":         out.SecretAccessKey,
			"session token":      out.SessionToken,
			"long-term secret":   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			"MFA code":           "918273",
			"keyring passphrase": "pty test",
		} {
			if secret != "" && strings.Contains(stderr.String(), secret) {
				t.Errorf("%v: --debug output contains the %s:\n%s", args, name, stderr.String())
			}
		}
	}
}
