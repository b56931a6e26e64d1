package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// doctorWorld runs credo in-process against a temporary home, a file
// keyring and the fake STS.
type doctorWorld struct {
	t   *testing.T
	env map[string]string
}

func newDoctorWorld(t *testing.T) *doctorWorld {
	dir := t.TempDir()
	sts := stsfake.NewTest(t)
	sts.AcceptUnknownKeys(true)
	return &doctorWorld{t: t, env: map[string]string{
		"HOME":                        dir,
		"XDG_STATE_HOME":              filepath.Join(dir, "state"),
		"XDG_RUNTIME_DIR":             filepath.Join(dir, "run"),
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL_STS":        sts.URL(),
		"CREDO_BACKEND":               "file",
		"CREDO_FILE_DIR":              filepath.Join(dir, "keyring"),
		"CREDO_FILE_PASSPHRASE":       "doctor",
		"HTTPS_PROXY":                 "http://127.0.0.1:9",
		"NO_PROXY":                    "127.0.0.1",
	}}
}

func (w *doctorWorld) run(now time.Time, stdin string, args ...string) (string, int) {
	w.t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	code := Run(context.Background(), &Env{IO: ios, Getenv: func(k string) string { return w.env[k] }, Environ: func() []string { return nil }, Now: func() time.Time { return now }}, args)
	return out.String() + errOut.String(), code
}

// Issue 12: doctor finds a stored key older than 90 days (planted by
// storing it with a clock 100 days back) and says to rotate it.
func TestDoctorFindsAnOldKey(t *testing.T) {
	w := newDoctorWorld(t)
	now := time.Now()
	if out, code := w.run(now.AddDate(0, 0, -100), "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "add", "old", "--add-config=false"); code != 0 {
		t.Fatalf("add: %d %s", code, out)
	}
	if out, code := w.run(now, "AKIAI44QH8DHBEXAMPLE\nje7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n", "add", "new", "--add-config=false"); code != 0 {
		t.Fatalf("add: %d %s", code, out)
	}
	out, code := w.run(now, "", "doctor")
	if code != 0 {
		t.Fatalf("doctor exit %d: an old key is a warning\n%s", code, out)
	}
	for _, want := range []string{
		`warn  keys: profile "old": key AKIAIOSFODNN7EXAMPLE was stored 100 days ago (more than 90)`,
		"      fix: rotate it: credo rotate old\n",
		`ok    keys: profile "new": key AKIAI44QH8DHBEXAMPLE, stored 0 days ago`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "wJalrXUtnFEMI") || strings.Contains(out, "je7MtGbClwBF") {
		t.Errorf("doctor printed a secret:\n%s", out)
	}
}
