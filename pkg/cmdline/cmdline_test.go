package cmdline

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitExec(t *testing.T) {
	for _, tc := range []struct {
		args, head, profile, command string
		dash                         bool
	}{
		{args: "prod -- terraform plan", head: "prod", profile: "prod", command: "terraform plan", dash: true},
		{args: "prod ls -la", head: "prod", profile: "prod", command: "ls -la"},
		{args: "-d 1h prod aws --region x", head: "-d 1h prod", profile: "prod", command: "aws --region x"},
		{args: "-t -- prod env", head: "-t -- prod", profile: "prod", command: "env"}, // -t takes "--" as its value, as pflag does
		{args: "-nt 123456 prod", head: "-nt 123456 prod", profile: "prod"},
		{args: "-- ls", head: "", command: "ls", dash: true},
		{args: "prod", head: "prod", profile: "prod"},
	} {
		l := Exec.Split(strings.Fields(tc.args))
		if strings.Join(l.Head, " ") != tc.head || strings.Join(l.Args, " ") != tc.profile || strings.Join(l.Command, " ") != tc.command || l.Dash != tc.dash {
			t.Errorf("%q: head %q args %q command %q dash %v", tc.args, l.Head, l.Args, l.Command, l.Dash)
		}
	}
}

func TestSplitFlags(t *testing.T) {
	l := Exec.Split([]string{"-nt123456", "--region=eu-west-1", "-d", "1h", "--bogus", "prod", "--", "x"})
	if v, _ := l.Value("mfa-token"); v != "123456" {
		t.Errorf("mfa-token %q", v)
	}
	if v, _ := l.Value("region"); v != "eu-west-1" {
		t.Errorf("region %q", v)
	}
	if _, ok := l.Value("no-session"); !ok {
		t.Error("no -n")
	}
	if !slices.Equal(l.Unknown, []string{"--bogus"}) {
		t.Errorf("unknown %q", l.Unknown)
	}
	if l := Export.Split([]string{"prod", "--format"}); l.Pending == nil || l.Pending.Name != "format" {
		t.Errorf("pending %v", l.Pending)
	}
}

func TestScan(t *testing.T) {
	for _, tc := range []struct {
		args, name, backend string
	}{
		{"--backend file exec prod -- x --backend pass", "exec", "file"},
		{"exec prod tool --backend pass", "exec", ""},
		{"--debug export --backend=keyctl prod", "export", "keyctl"},
		{"list --backend pass", "list", "pass"},
		{"--backend", "", ""},
		{"exec --mfa-token --backend prod", "exec", ""},
	} {
		name, l := Scan(strings.Fields(tc.args))
		b, _ := l.Value("backend")
		if name != tc.name || b != tc.backend {
			t.Errorf("%q: command %q backend %q", tc.args, name, b)
		}
	}
}

// TestTables: no flag is defined twice for a command, and aws-vault's
// spellings are hidden.
func TestTables(t *testing.T) {
	for _, c := range []*Command{Exec, Export} {
		seen := map[string]bool{}
		for _, f := range append(slices.Clone(c.Flags), Globals...) {
			for _, k := range []string{"--" + f.Name, "-" + f.Short} {
				if k != "-" && seen[k] {
					t.Errorf("%s: %s twice", c.Name, k)
				}
				seen[k] = true
			}
			if f.Instead != "" && !f.Hidden {
				t.Errorf("%s: aws-vault's --%s is not hidden", c.Name, f.Name)
			}
		}
	}
}

func TestProfile(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct{ named, awsProfile, want string }{
		{"dev", "prod", "dev"},
		{"", "prod", "prod"},
		{"", "", "default"},
	} {
		if got := Profile(c.named, env(map[string]string{"AWS_PROFILE": c.awsProfile})); got != c.want {
			t.Errorf("Profile(%q) with AWS_PROFILE=%q = %q, want %q", c.named, c.awsProfile, got, c.want)
		}
	}
}
