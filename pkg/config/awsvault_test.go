package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const inheritConfig = `# my AWS config
[default]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/alice ; the phone
source_profile = base

[profile base]
; keys in the keyring

[profile dev]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/Dev

[profile inc]
include_profile = dev

[profile inc-default]
include_profile = default

[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = R
[sso-session corp]
sso_start_url = https://x.awsapps.com/start
sso_region = us-east-1
`

// TestInherited: what aws-vault took from [default] and credo does not, per
// profile (issue 8).
func TestInherited(t *testing.T) {
	c := mustLoad(t, inheritConfig, "[creds-only]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n")
	wantInherited(t, c, nil, []string{
		// base is [default]'s source_profile: not its own source.
		"base mfa_serial=arn:aws:iam::123456789012:mfa/alice @4",
		"base region=eu-west-1 @3",
		"dev mfa_serial=arn:aws:iam::123456789012:mfa/alice @4",
		"dev source_profile=base @5",
		"inc mfa_serial=arn:aws:iam::123456789012:mfa/alice @4",
		"inc source_profile=base @5",
		"sso mfa_serial=arn:aws:iam::123456789012:mfa/alice @4",
		"sso region=eu-west-1 @3",
		"sso source_profile=base @5",
	})
}

// TestAddInherited: the lines go under each profile's header, a backup of
// the file is kept, and every other byte stays as it was.
func TestAddInherited(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		f := writeFiles(t, strings.ReplaceAll(inheritConfig, "\n", eol), "")
		c, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		adds := c.Inherited(nil)
		now := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
		backup, err := AddInherited(f.ConfigPath, adds, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		if backup != f.ConfigPath+".bak-credo-20261130T050000Z" {
			t.Errorf("backup = %s", backup)
		}
		old, err := os.ReadFile(backup)
		if err != nil || string(old) != strings.ReplaceAll(inheritConfig, "\n", eol) {
			t.Fatalf("backup holds %q, %v", old, err)
		}
		if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("backup mode: %v %v", fi.Mode(), err)
		}
		data, err := os.ReadFile(f.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		want := strings.ReplaceAll(strings.NewReplacer(
			"[profile base]\n", "[profile base]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n",
			"[profile dev]\n", "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nsource_profile = base\n",
			"[profile inc]\n", "[profile inc]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nsource_profile = base\n",
			"[profile sso]\n", "[profile sso]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\nsource_profile = base\n",
		).Replace(inheritConfig), "\n", eol)
		if text != want {
			t.Fatalf("file after AddInherited:\n%s\nwant:\n%s", text, want)
		}
		// Now nothing is left to inherit.
		c2, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if left := c2.Inherited(nil); len(left) != 0 {
			t.Errorf("still inherited: %+v", left)
		}
		if b, err := AddInherited(f.ConfigPath, nil, nil, now); err != nil || b != "" {
			t.Errorf("nothing to add: %q %v", b, err)
		}
		entries, _ := os.ReadDir(filepath.Dir(f.ConfigPath))
		for _, e := range entries {
			if strings.Contains(e.Name(), ".credo-") && !strings.Contains(e.Name(), ".bak-credo-") {
				t.Errorf("temporary file left: %s", e.Name())
			}
		}
	}
}

// TestInheritedSourceKeys: settings that say where credentials come from
// (SSO, credential_process, source_profile) made no difference in aws-vault
// to a profile with stored keys, nor SSO and credential_process to one with
// a source_profile, so they are not listed for them: written in, they
// would make credo read a profile with keys as an SSO profile (issue 8).
func TestInheritedSourceKeys(t *testing.T) {
	c := mustLoad(t, `[default]
region = eu-west-1
sso_start_url = https://x.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = R
credential_process = get-creds
source_profile = base

[profile keyed]

[profile role]
role_arn = arn:aws:iam::123456789012:role/R
source_profile = keyed

[profile plain]
`, "")
	wantInherited(t, c, func(p string) bool { return p == "keyed" || p == "base" }, []string{
		"keyed region=eu-west-1 @2",
		"role region=eu-west-1 @2",
		"plain region=eu-west-1 @2",
		"plain source_profile=base @8",
	})
}

// TestInheritedOwnKeysRole: aws-vault assumes the role_arn (its own or
// [default]'s) of a profile whose keys it stored with those keys; credo
// needs "source_profile = <itself>" for that, or reports that the role has
// no source (issue 8).
func TestInheritedOwnKeysRole(t *testing.T) {
	c := mustLoad(t, `[profile own]
role_arn = arn:aws:iam::123456789012:role/Own

[profile sourced]
role_arn = arn:aws:iam::123456789012:role/S
source_profile = own

[profile self]
role_arn = arn:aws:iam::123456789012:role/Self
source_profile = self

[profile nokeys]
role_arn = arn:aws:iam::123456789012:role/N
`, "")
	wantInherited(t, c, func(p string) bool { return p != "nokeys" }, []string{"own source_profile=own @2 (own keys)"})
	// From [default]'s role_arn too, and [default]'s own.
	c = mustLoad(t, "[default]\nrole_arn = arn:aws:iam::123456789012:role/D\n\n[profile keyed]\n", "")
	wantInherited(t, c, func(p string) bool { return p == "keyed" || p == "default" }, []string{
		"default source_profile=default @2 (own keys)",
		"keyed role_arn=arn:aws:iam::123456789012:role/D @2",
		"keyed source_profile=keyed @2 (own keys)",
	})
}

// wantInherited compares c.Inherited(stored), one line an entry, with want.
func wantInherited(t *testing.T, c *Config, stored func(string) bool, want []string) {
	t.Helper()
	var got []string
	for _, in := range c.Inherited(stored) {
		line := in.Profile + " " + in.Key + "=" + in.Value + " @" + itoa(in.From.Line)
		if in.OwnKeys {
			line += " (own keys)"
		}
		got = append(got, line)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Inherited:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
