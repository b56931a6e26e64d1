package front

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/cli"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestLean keeps the front binary lean: the packages below are what makes
// the full binary slow to start.
func TestLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/credo-cli/credo/cmd/credo").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, out)
	}
	heavyPrefixes := []string{"github.com/99designs/", "github.com/godbus/", "github.com/aws/", "github.com/spf13/", "net/http", "log/slog", "gopkg.in/", "go.yaml.in/"}
	heavyOwn := map[string]bool{
		"github.com/credo-cli/credo/pkg/cli":      true,
		"github.com/credo-cli/credo/pkg/keystore": true,
		"github.com/credo-cli/credo/pkg/creds":    true,
	}
	for _, dep := range strings.Fields(string(out)) {
		if heavyOwn[dep] {
			t.Errorf("cmd/credo links %s", dep)
		}
		for _, h := range heavyPrefixes {
			if strings.HasPrefix(dep, h) {
				t.Errorf("cmd/credo links %s", dep)
			}
		}
	}
}

type world struct {
	t   *testing.T
	env map[string]string
	sts *stsfake.Server
	// ahead moves both binaries' clocks forward.
	ahead time.Duration
}

func (w *world) now() time.Time { return time.Now().Add(w.ahead) }

func newWorld(t *testing.T, config string) *world {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	sts := stsfake.NewTest(t)
	sts.AcceptUnknownKeys(true)
	w := &world{t: t, sts: sts, env: map[string]string{
		"HOME":                        home,
		"USER":                        "tester",
		"XDG_RUNTIME_DIR":             filepath.Join(dir, "run"),
		"XDG_CONFIG_HOME":             filepath.Join(home, ".config"),
		"AWS_CONFIG_FILE":             filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_STS":        sts.URL(),
		"CREDO_BACKEND":               "file",
		"CREDO_FILE_DIR":              filepath.Join(dir, "keyring"),
		"CREDO_FILE_PASSPHRASE":       "fast path",
	}}
	w.core("AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "add", "dev", "--add-config=false")
	return w
}

func (w *world) getenv(k string) string { return w.env[k] }

func (w *world) environ() []string {
	var out []string
	for k, v := range w.env {
		out = append(out, k+"="+v)
	}
	return out
}

// core runs the full command tree in-process and returns its stdout.
func (w *world) core(stdin string, args ...string) string {
	w.t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	code := cli.Run(context.Background(), &cli.Env{IO: ios, Getenv: w.getenv, Environ: w.environ, Now: w.now}, args)
	if code != 0 {
		w.t.Fatalf("credo-core %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

func (w *world) serve(args ...string) (string, int, bool, *execCall) {
	var out bytes.Buffer
	call := &execCall{}
	env := &Env{
		Getenv:  w.getenv,
		Environ: w.environ,
		Stdout:  &out,
		Stderr:  io.Discard,
		Now:     w.now,
		Exec: func(path string, argv, env []string) error {
			call.path, call.argv, call.env = path, argv, env
			return nil
		},
		LookPath: exec.LookPath,
	}
	status, handled := Serve(args, env)
	return out.String(), status, handled, call
}

type execCall struct {
	path      string
	argv, env []string
}

const cfg = `[profile dev]
region = eu-west-1

[profile prod]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/prod

[profile chain]
source_profile = prod
role_arn = arn:aws:iam::123456789012:role/chain
`

func TestServesWhatCoreServes(t *testing.T) {
	w := newWorld(t, cfg)
	for _, args := range [][]string{
		{"export", "--format", "json", "prod"},
		{"export", "prod", "--format=sh"},
		{"export", "-f", "fish", "chain"},
		{"export", "chain", "--region", "us-west-2"},
		{"export", "dev", "--format", "ini"},
		{"export", "--backend", "file", "--format", "powershell", "dev"},
	} {
		want := w.core("", args...) // fills the cache, then the fast path must agree
		before := w.sts.Calls("AssumeRole") + w.sts.Calls("GetSessionToken")
		got, status, handled, _ := w.serve(args...)
		if !handled || status != 0 {
			t.Fatalf("%v: handled=%v status=%d", args, handled, status)
		}
		if got != want {
			t.Errorf("%v:\nfast path %q\ncore      %q", args, got, want)
		}
		if after := w.sts.Calls("AssumeRole") + w.sts.Calls("GetSessionToken"); after != before {
			t.Errorf("%v: the fast path called STS", args)
		}
	}

	// AWS_PROFILE names the profile when no argument does.
	w.env["AWS_PROFILE"] = "prod"
	want := w.core("", "export", "--format", "json")
	got, _, handled, _ := w.serve("export", "--format", "json")
	if !handled || got != want {
		t.Errorf("AWS_PROFILE: handled=%v\n%q\n%q", handled, got, want)
	}
	delete(w.env, "AWS_PROFILE")
}

// TestMinTTLZeroMeansTheSameToBoth: with CREDO_MIN_TTL=0 and a session with
// 10 minutes left, credo-core fetched a new session while the front handed
// out the cached one (issue 9); both now hand out the cached one.
func TestMinTTLZeroMeansTheSameToBoth(t *testing.T) {
	w := newWorld(t, cfg)
	w.env["CREDO_MIN_TTL"] = "0"
	w.core("", "export", "dev") // a 12-hour session
	w.ahead = 12*time.Hour - 10*time.Minute
	fast, _, handled, _ := w.serve("export", "--format", "json", "dev")
	if !handled {
		t.Fatal("the front did not serve a session with 10 minutes left under min_ttl 0")
	}
	before := w.sts.Calls("GetSessionToken")
	core := w.core("", "export", "--format", "json", "dev")
	if calls := w.sts.Calls("GetSessionToken") - before; calls != 0 {
		t.Errorf("credo-core called GetSessionToken %d times for a session the front handed out", calls)
	}
	if core != fast {
		t.Errorf("front %q\ncore  %q", fast, core)
	}
}

func TestExecOnTheFastPath(t *testing.T) {
	w := newWorld(t, cfg)
	w.core("", "export", "dev")
	w.env["AWS_PROFILE"] = "other"
	w.env["KEEP"] = "1"
	_, _, handled, call := w.serve("exec", "dev", "--", "env", "-0")
	if !handled {
		t.Fatal("exec of a cached profile was not served")
	}
	if !strings.HasSuffix(call.path, "/env") || strings.Join(call.argv, " ") != "env -0" {
		t.Fatalf("exec %q %q", call.path, call.argv)
	}
	env := strings.Join(call.env, "\n") + "\n"
	for _, want := range []string{"AWS_ACCESS_KEY_ID=ASIA", "AWS_SESSION_TOKEN=", "AWS_CREDENTIAL_EXPIRATION=", "AWS_REGION=eu-west-1\n", "CREDO_PROFILE=dev\n", "KEEP=1\n"} {
		if !strings.Contains(env, want) {
			t.Errorf("child env lacks %s", want)
		}
	}
	for _, gone := range []string{"AWS_PROFILE=", "CREDO_FILE_PASSPHRASE="} {
		if strings.Contains(env, gone) {
			t.Errorf("child env has %s", gone)
		}
	}
	delete(w.env, "AWS_PROFILE")

	// Without "--", the command starts after the profile (cmdline's
	// grammar, credo-core's too): its flags are its own.
	_, _, handled, call = w.serve("exec", "--region", "us-east-1", "dev", "env", "--region", "-0")
	if !handled || strings.Join(call.argv, " ") != "env --region -0" || !slices.Contains(call.env, "AWS_REGION=us-east-1") {
		t.Errorf("exec without --: handled %v, argv %q", handled, call.argv)
	}

	// Nested exec is credo-core's to refuse.
	w.env["CREDO_PROFILE"] = "prod"
	if _, _, handled, _ := w.serve("exec", "prod", "--", "true"); handled {
		t.Error("nested exec was served")
	}
}

func TestLeavesEverythingElseToCore(t *testing.T) {
	w := newWorld(t, cfg)
	w.core("", "export", "prod")
	if _, _, handled, _ := w.serve("export", "prod"); !handled {
		t.Fatal("the baseline case is not served")
	}
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		file string // settings file content
	}{
		"not cached":                  {args: []string{"export", "chain"}},
		"unknown flag":                {args: []string{"export", "prod", "--no-session"}},
		"duration":                    {args: []string{"export", "prod", "-d", "2h"}},
		"debug flag":                  {args: []string{"export", "prod", "--debug"}},
		"two profiles":                {args: []string{"export", "prod", "dev"}},
		"bad format":                  {args: []string{"export", "prod", "--format", "yaml"}},
		"format on exec":              {args: []string{"exec", "prod", "--format", "json", "--", "true"}},
		"exec with -- and no command": {args: []string{"exec", "prod", "--"}},
		"flag value missing":          {args: []string{"export", "prod", "--region"}},
		"aws-vault's spelling":        {args: []string{"exec", "-j", "prod", "--", "true"}},
		"other command":               {args: []string{"list"}},
		"backend flag":                {args: []string{"export", "prod", "--backend", "pass"}},
		"backend env":                 {args: []string{"export", "prod"}, env: map[string]string{"CREDO_BACKEND": "secret-service"}},
		"auto backend":                {args: []string{"export", "prod"}, env: map[string]string{"CREDO_BACKEND": ""}},
		"min ttl not met":             {args: []string{"export", "prod"}, env: map[string]string{"CREDO_MIN_TTL": "2h"}},
		"bad min ttl":                 {args: []string{"export", "prod"}, env: map[string]string{"CREDO_MIN_TTL": "soon"}},
		"debug env":                   {args: []string{"export", "prod"}, env: map[string]string{"CREDO_DEBUG": "1"}},
		"opt out":                     {args: []string{"export", "prod"}, env: map[string]string{"CREDO_NO_FASTPATH": "1"}},
		"missing settings file":       {args: []string{"export", "prod"}, env: map[string]string{"CREDO_CONFIG": "/nonexistent/credo.yaml"}},
		"nested settings":             {args: []string{"export", "prod"}, env: map[string]string{"CREDO_BACKEND": ""}, file: "backend: file\nserver:\n  port: 1\n"},
		"settings other backend":      {args: []string{"export", "prod"}, env: map[string]string{"CREDO_BACKEND": ""}, file: "backend: pass\n"},
		"other file dir":              {args: []string{"export", "prod"}, env: map[string]string{"CREDO_FILE_DIR": ""}},
	} {
		t.Run(name, func(t *testing.T) {
			saved := map[string]string{}
			for k, v := range tc.env {
				saved[k] = w.env[k]
				w.env[k] = v
			}
			defer func() {
				for k, v := range saved {
					w.env[k] = v
				}
			}()
			if tc.file != "" {
				p := filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(p, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
				saved["CREDO_CONFIG"] = w.env["CREDO_CONFIG"]
				w.env["CREDO_CONFIG"] = p
			}
			if out, _, handled, _ := w.serve(tc.args...); handled {
				t.Fatalf("served %q; credo-core should have run", out)
			}
		})
	}
}

// TestSessionInMemoryNeedsNoBackend: a session credo-core holds in memory
// is served without the keyring: no passphrase, nor a right one, needed
// (issue 10); credo-core serves it the same way.
func TestSessionInMemoryNeedsNoBackend(t *testing.T) {
	w := newWorld(t, cfg)
	want := w.core("", "export", "prod")
	for name, pass := range map[string]string{"no passphrase": "", "wrong passphrase": "wrong"} {
		w.env["CREDO_FILE_PASSPHRASE"] = pass
		out, _, handled, _ := w.serve("export", "prod")
		if !handled || out != want {
			t.Errorf("%s: handled=%v, served %q; want %q", name, handled, out, want)
		}
		if core := w.core("", "export", "prod"); core != want {
			t.Errorf("%s: credo-core printed %q", name, core)
		}
	}
}

func TestSettingsFileChoosesTheFileBackend(t *testing.T) {
	w := newWorld(t, cfg)
	w.core("", "export", "prod")
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte("# credo\nbackend: file   # the file keyring\nmin_ttl: \"10m\"\nprompt: terminal\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env["CREDO_CONFIG"] = p
	w.env["CREDO_BACKEND"] = ""
	if _, _, handled, _ := w.serve("export", "prod"); !handled {
		t.Fatal("backend: file in the settings file was not honoured")
	}
}

func TestVersion(t *testing.T) {
	w := newWorld(t, cfg)
	want := w.core("", "version")
	for _, args := range [][]string{{"--version"}, {"version"}} {
		got, status, handled, _ := w.serve(args...)
		if !handled || status != 0 || got != want {
			t.Errorf("%v: %q, want %q", args, got, want)
		}
	}
}

// Without HOME (Windows), the settings file is found under USERPROFILE, as
// credo-core finds it.
func TestSettingsFileUnderUserProfile(t *testing.T) {
	w := newWorld(t, cfg)
	w.core("", "export", "prod")
	profile := t.TempDir()
	if err := os.MkdirAll(filepath.Join(profile, ".config", "credo"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profile, ".config", "credo", "config.yaml"), []byte("prompt: bogus\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env["HOME"], w.env["XDG_CONFIG_HOME"], w.env["USERPROFILE"] = "", "", profile
	if out, _, handled, _ := w.serve("export", "prod"); handled {
		t.Fatalf("served %q despite an invalid settings file under USERPROFILE", out)
	}
}

// credo status is answered by the front, as credo-core answers it.
func TestStatusOnTheFastPath(t *testing.T) {
	w := newWorld(t, cfg)
	w.env["CREDO_PROFILE"] = "prod"
	w.env["CREDO_ROLE_ARN"] = "arn:aws:iam::123456789012:role/prod"
	w.env["AWS_CREDENTIAL_EXPIRATION"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, args := range [][]string{{"status"}, {"status", "--format", "json"}, {"status", "--format=prompt"}, {"status", "-f", "json"}} {
		want := w.core("", args...)
		got, code, handled, _ := w.serve(args...)
		if !handled || code != 0 || got != want {
			t.Errorf("%v: handled=%v code=%d\nfront %q\ncore  %q", args, handled, code, got, want)
		}
	}
	for _, args := range [][]string{{"status", "--help"}, {"status", "--format", "yaml"}, {"status", "--debug"}, {"status", "extra"}} {
		if _, _, handled, _ := w.serve(args...); handled {
			t.Errorf("%v was served; credo-core should have run", args)
		}
	}
}

// TestFileSessionWithUnlockedKey: with sessions kept in the keyring
// (session_memory: false), the front reads the file keyring with the key
// credo-core left unlocked, not by deriving one: a wrong passphrase in the
// environment does not matter while the keyring is unlocked, and does when
// nothing is kept (unlock_timeout 0).
func TestFileSessionWithUnlockedKey(t *testing.T) {
	w := newWorld(t, cfg)
	w.env["CREDO_SESSION_MEMORY"] = "false"
	want := w.core("", "export", "prod")
	if names, _ := filepath.Glob(filepath.Join(w.env["CREDO_FILE_DIR"], "*session*")); len(names) != 1 {
		t.Fatalf("the session is not in the keyring folder: %q", names)
	}
	w.env["CREDO_FILE_PASSPHRASE"] = "not the passphrase"
	if out, _, handled, _ := w.serve("export", "prod"); !handled || out != want {
		t.Fatalf("unlocked: handled=%v, %q; want %q", handled, out, want)
	}
	w.env["CREDO_UNLOCK_TIMEOUT"] = "0"
	if out, _, handled, _ := w.serve("export", "prod"); handled {
		t.Fatalf("served %q with a wrong passphrase and nothing unlocked", out)
	}
}
