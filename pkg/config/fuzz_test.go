package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary config and credentials files to the parser and
// checks that nothing panics, that every problem names a file and a line
// of that file, that Chain terminates for every profile, and that appending
// a section to a file that parses keeps it parsing with the new profile.
func FuzzLoad(f *testing.F) {
	f.Add(chainConfig, chainCredentials)
	f.Add("[default]\nregion = us-east-1 # c\n[profile a b]\n[profile\n[]\n", "[a]\naws_access_key_id=x\n")
	f.Add("[services s]\nsts =\n  endpoint_url = http://x\n  oops\n[profile p]\nservices = s\nsso_session = x\n", "")
	f.Add("\ufeff[profile a]\r\nx = 1\r\n  cont\r\n", "[profile a]\n")
	f.Add("[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = a\nduration_seconds = 99999999999\n", "")
	f.Add("k = v\n=\n[x]\n[default x]\n[profile \"q\"]\n", "\n\n[ ]\n")

	files := Files{ConfigPath: "/fuzz/config", CredentialsPath: "/fuzz/credentials"}
	f.Fuzz(func(t *testing.T, config, credentials string) {
		c, err := loadData(files, config, credentials, false)
		if c == nil {
			t.Fatal("nil Config")
		}
		lines := map[string]int{
			files.ConfigPath:      strings.Count(config, "\n") + 1,
			files.CredentialsPath: strings.Count(credentials, "\n") + 1,
		}
		checkPositions := func(err error) {
			var es Errors
			var e *Error
			switch {
			case errors.As(err, &es):
				for _, e := range es {
					checkPos(t, e, lines)
				}
			case errors.As(err, &e):
				checkPos(t, e, lines)
			case err != nil:
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
		checkPositions(err)
		for _, name := range c.Names() {
			p, ok := c.Profile(name)
			if !ok || p.Name != name || p.Pos[""].Line == 0 {
				t.Fatalf("profile %q: %v %+v", name, ok, p)
			}
			chain, err := c.Chain(name)
			checkPositions(err)
			if err == nil && (len(chain) == 0 || chain[0] != p) {
				t.Fatalf("chain of %q starts with %v", name, chain)
			}
			_ = p.ServiceEndpoint("STS", "sts", func(string) string { return "" })
		}

		if err != nil {
			return
		}
		out := appendSection([]byte(config), "fuzz-added", [][2]string{{"region", "x"}})
		if !strings.HasPrefix(string(out), config) {
			t.Fatal("appendSection changed existing bytes")
		}
		if hasProfileSection("", []byte(config), "fuzz-added") {
			return
		}
		c2, err := loadData(Files{ConfigPath: "/fuzz/config"}, string(out), "", false)
		if err != nil {
			t.Fatalf("file broke after appending a section: %v\n%q", err, out)
		}
		if p, ok := c2.Profile("fuzz-added"); !ok || p.Region != "x" {
			t.Fatalf("appended profile not read back from %q", out)
		}
	})
}

func checkPos(t *testing.T, e *Error, lines map[string]int) {
	t.Helper()
	if e.Msg == "" || e.Kind == nil {
		t.Fatalf("empty problem %+v", e)
	}
	n, ok := lines[e.Pos.File]
	if !ok || e.Pos.Line < 1 || e.Pos.Line > n {
		t.Fatalf("problem %q has position %v outside the files", e.Error(), e.Pos)
	}
}
