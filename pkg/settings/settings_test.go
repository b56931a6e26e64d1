package settings

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/hint"
)

// load runs Load with a settings file (when file is not "-") at
// /cfg/credo/config.yaml and the given variables.
func load(t *testing.T, file string, flags map[string]string, vars ...string) (*Settings, error) {
	t.Helper()
	env := map[string]string{"XDG_CONFIG_HOME": "/cfg"}
	for i := 0; i+1 < len(vars); i += 2 {
		env[vars[i]] = vars[i+1]
	}
	return Load(Input{
		Flags:  flags,
		Getenv: func(k string) string { return env[k] },
		ReadFile: func(path string) ([]byte, error) {
			if path != "/cfg/credo/config.yaml" || file == "-" {
				return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
			}
			return []byte(file), nil
		},
	})
}

func TestDefaults(t *testing.T) {
	s, err := load(t, "-", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{MinTTL: 15 * time.Minute, LockTimeout: 2 * time.Minute, UnlockTimeout: 15 * time.Minute, SessionMemory: true,
		CredentialProcessTimeout: time.Minute, AuditLog: true, AuditMaxSize: 10 << 20}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", *s, want)
	}
}

func TestPrecedence(t *testing.T) {
	file := "backend: pass\nmin_ttl: 1h\nprompt: ykman\n"
	tests := []struct {
		name  string
		flags map[string]string
		vars  []string
		check func(*Settings) bool
	}{
		{"the file beats the default", nil, nil, func(s *Settings) bool { return s.Backend == "pass" && s.MinTTL == time.Hour }},
		{"the environment beats the file", nil, []string{"CREDO_BACKEND", "file", "CREDO_MIN_TTL", "5m"},
			func(s *Settings) bool { return s.Backend == "file" && s.MinTTL == 5*time.Minute && s.Prompt == "ykman" }},
		{"a flag beats the environment", map[string]string{"backend": "keyctl"}, []string{"CREDO_BACKEND", "file"},
			func(s *Settings) bool { return s.Backend == "keyctl" }},
		{"an empty variable counts as unset", nil, []string{"CREDO_BACKEND", ""}, func(s *Settings) bool { return s.Backend == "pass" }},
		{"0 is zero, not the default (issue 9: CREDO_MIN_TTL=0)", nil, []string{"CREDO_MIN_TTL", "0"}, func(s *Settings) bool { return s.MinTTL == 0 }},
		{"lock_timeout 0 is zero", nil, []string{"CREDO_LOCK_TIMEOUT", "0s"}, func(s *Settings) bool { return s.LockTimeout == 0 }},
		{"--debug", map[string]string{"debug": "true"}, nil, func(s *Settings) bool { return s.Debug }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := load(t, file, tt.flags, tt.vars...)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(s) {
				t.Errorf("got %+v", *s)
			}
			if s.File != "/cfg/credo/config.yaml" {
				t.Errorf("File = %q", s.File)
			}
			if src := s.Source("prompt"); src != "/cfg/credo/config.yaml:3" {
				t.Errorf("Source(prompt) = %q", src)
			}
			if src := s.Source("unlock_timeout"); src != "" {
				t.Errorf("Source(unlock_timeout) = %q, want the default's", src)
			}
		})
	}
}

func TestFileSyntax(t *testing.T) {
	tests := []struct {
		name, line, key, want string
	}{
		{"plain", "file_dir: /a b", "file_dir", "/a b"},
		{"comment after a value", "file_dir: /a # comment", "file_dir", "/a"},
		{"a # inside a word", "file_dir: /a#b", "file_dir", "/a#b"},
		{"single quotes", "file_dir: '/a '' # b'", "file_dir", "/a ' # b"},
		{"double quotes", `file_dir: "/a \" \\ b" # c`, "file_dir", `/a " \ b`},
		{"empty", "file_dir:", "file_dir", ""},
		{"empty with a comment", "file_dir:   # default: the data folder", "file_dir", ""},
		{"null", "file_dir: ~", "file_dir", ""},
		{"keys are case-insensitive", "FILE_DIR: /x", "file_dir", "/x"},
		{"CRLF", "file_dir: /x\r", "file_dir", "/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := load(t, "# settings\n---\n"+tt.line+"\n", nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.FileDir != tt.want {
				t.Errorf("file_dir = %q, want %q", s.FileDir, tt.want)
			}
		})
	}
}

// TestFileProblems: every problem is named with file and line (issue 7:
// `min_tll: 5m`, `backend: flie`).
func TestFileProblems(t *testing.T) {
	tests := []struct {
		name, file, want, hint string
	}{
		{"unknown key", "backend: file\nmin_tll: 5m\n", `/cfg/credo/config.yaml:2: unknown setting "min_tll"`, `did you mean min_ttl?`},
		{"unknown key far from any", "colour: red\n", `/cfg/credo/config.yaml:1: unknown setting "colour"`, ""},
		{"bad backend", "\nbackend: flie\n", `/cfg/credo/config.yaml:2: backend: unknown value "flie" (valid: file, keychain, keyctl, kwallet, pass, secret-service, wincred)`, `did you mean file?`},
		{"bad duration", "min_ttl: 5\n", `/cfg/credo/config.yaml:1: min_ttl: "5" is not a duration such as 15m`, ""},
		{"negative duration", "lock_timeout: -1m\n", `/cfg/credo/config.yaml:1: lock_timeout: "-1m" is not a duration such as 15m`, ""},
		{"bad bool", "debug: maybe\n", `/cfg/credo/config.yaml:1: debug: "maybe" is not true or false`, ""},
		{"bad size", "audit_max_size: ten\n", `/cfg/credo/config.yaml:1: audit_max_size: "ten" is not a size such as 10MB`, ""},
		{"nested", "backend:\n  name: file\n", `/cfg/credo/config.yaml:2: an indented line: settings are flat ` + "`key: value`" + ` lines`, ""},
		{"a list", "backend: [unclosed\n", `/cfg/credo/config.yaml:1: backend: a value YAML reads as more than a plain word (lists, maps and references are not settings)`, ""},
		{"no colon", "backend file\n", "/cfg/credo/config.yaml:1: not a `key: value` line", ""},
		{"repeated", "backend: file\nbackend: pass\n", `/cfg/credo/config.yaml:2: backend: repeated (first set on line 1)`, ""},
		{"open quote", "file_dir: 'x\n", `/cfg/credo/config.yaml:1: file_dir: no closing quote`, ""},
		{"mapping in a value", "file_dir: a: b\n", `/cfg/credo/config.yaml:1: file_dir: a value with ": " in it must be quoted`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			if h := hint.Of(err); h != tt.hint {
				t.Errorf("hint %q, want %q", h, tt.hint)
			}
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Errorf("want one Problem, got %#v", err)
			}
		})
	}
}

func TestEveryProblemIsReported(t *testing.T) {
	s, err := load(t, "min_tll: 5m\nbackend: flie\nprompt: ykman\n", nil, "CREDO_LOCK_TIMEOUT", "soon")
	var es Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("got %v", err)
	}
	if !strings.HasPrefix(es[2].Error(), `CREDO_LOCK_TIMEOUT: "soon"`) {
		t.Errorf("the variable's problem: %s", es[2])
	}
	// The good values still apply; the bad ones keep their defaults.
	if s.Prompt != "ykman" || s.LockTimeout != 2*time.Minute || s.Backend != "" {
		t.Errorf("got %+v", *s)
	}
}

func TestFlagAndEnvProblems(t *testing.T) {
	_, err := load(t, "-", map[string]string{"backend": "floppy"})
	if err == nil || !strings.HasPrefix(err.Error(), `--backend: unknown value "floppy"`) {
		t.Errorf("flag: %v", err)
	}
	_, err = load(t, "-", nil, "CREDO_PROMPT", "ykmann")
	if err == nil || !strings.HasPrefix(err.Error(), `CREDO_PROMPT: unknown value "ykmann"`) || hint.Of(err) != `did you mean ykman?` {
		t.Errorf("env: %v (hint %q)", err, hint.Of(err))
	}
}

func TestPath(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"HOME": dir}
	getenv := func(k string) string { return env[k] }
	// The default file may be missing.
	s, err := Load(Input{Getenv: getenv})
	if err != nil || s.File != "" {
		t.Fatalf("missing default file: %v, %q", err, s.File)
	}
	// A file named by CREDO_CONFIG or --config must exist.
	env["CREDO_CONFIG"] = filepath.Join(dir, "missing.yaml")
	if _, err := Load(Input{Getenv: getenv}); err == nil || !strings.HasPrefix(err.Error(), "settings file "+env["CREDO_CONFIG"]+": ") {
		t.Errorf("CREDO_CONFIG missing: %v", err)
	}
	named := filepath.Join(dir, "named.yaml")
	if err := os.WriteFile(named, []byte("min_ttl: 1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Load(Input{Getenv: getenv, Flags: map[string]string{"config": named}})
	if err != nil || s.MinTTL != time.Hour || s.File != named {
		t.Errorf("--config beats CREDO_CONFIG: %v %+v", err, s)
	}
	// Not a regular file.
	for _, odd := range []string{dir, os.DevNull} {
		if _, err := Load(Input{Getenv: getenv, Flags: map[string]string{"config": odd}}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s as the settings file: %v", odd, err)
		}
	}
	// USERPROFILE when HOME is unset.
	if p, _ := Path(nil, func(k string) string { return map[string]string{"USERPROFILE": `C:\u`}[k] }); p != filepath.Join(`C:\u`, ".config", "credo", "config.yaml") {
		t.Errorf("USERPROFILE: %s", p)
	}
}

func TestKeysTable(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys {
		for _, name := range []string{k.Name, k.Env, "--" + k.Flag} {
			if name != "--" && seen[name] {
				t.Errorf("%s appears twice", name)
			}
			seen[name] = true
		}
		if k.Env != "CREDO_"+strings.ToUpper(k.Name) {
			t.Errorf("%s: variable %s, want CREDO_%s", k.Name, k.Env, strings.ToUpper(k.Name))
		}
		if k.Doc == "" {
			t.Errorf("%s has no Doc", k.Name)
		}
	}
	Defaults() // panics on a bad default
}

// TestInitOrder: the D-Bus guard imports this package and must still
// initialise before github.com/godbus/dbus; that holds while every standard
// package this one needs is one godbus needs too (see the package comment).
func TestInitOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	deps := func(pkg string) map[string]bool {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		m := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			m[d] = true
		}
		return m
	}
	godbus := deps("github.com/godbus/dbus")
	for d := range deps("github.com/credo-cli/credo/pkg/keystore/dbusguard") {
		if strings.HasPrefix(d, "github.com/credo-cli/credo/") {
			continue
		}
		if !godbus[d] {
			t.Errorf("dbusguard depends on %s, which godbus does not: godbus could initialise first", d)
		}
	}
}

func TestSource(t *testing.T) {
	s, err := load(t, "backend: pass\n", map[string]string{"prompt": "ykman"}, "CREDO_MIN_TTL", "1m")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"backend": "/cfg/credo/config.yaml:1", "prompt": "--prompt", "min_ttl": "CREDO_MIN_TTL", "debug": ""} {
		if got := s.Source(name); got != want {
			t.Errorf("Source(%s) = %q, want %q", name, got, want)
		}
	}
}
