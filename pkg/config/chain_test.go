package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/hint"
)

const chainConfig = `[default]
region = us-east-1

[profile user]
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile role]
role_arn = arn:aws:iam::123456789012:role/R
source_profile = user

[profile role2]
role_arn = arn:aws:iam::123456789012:role/R2
source_profile = role

[profile role3]
role_arn = arn:aws:iam::123456789012:role/R3
source_profile = role2

[profile ec2]
role_arn = arn:aws:iam::123456789012:role/E
credential_source = Ec2InstanceMetadata

[profile web]
role_arn = arn:aws:iam::123456789012:role/W
web_identity_token_file = /tmp/token
source_profile = user

[profile self]
role_arn = arn:aws:iam::123456789012:role/S
source_profile = self

[profile on-static]
role_arn = arn:aws:iam::123456789012:role/OS
source_profile = static-with-role

[profile static-with-role]
role_arn = arn:aws:iam::123456789012:role/Ignored
source_profile = user

[profile on-creds-only]
role_arn = arn:aws:iam::123456789012:role/C
source_profile = creds-only

[profile process]
credential_process = /bin/echo

[profile sso]
sso_start_url = https://x.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = R
`

const chainCredentials = `[static-with-role]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = secret

[creds-only]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = secret
`

func chainNames(ps []*Profile) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestChain(t *testing.T) {
	c := mustLoad(t, chainConfig, chainCredentials)
	tests := []struct {
		target string
		want   []string
	}{
		{"default", []string{"default"}},
		{"user", []string{"user"}},
		{"role", []string{"role", "user"}},
		{"role3", []string{"role3", "role2", "role", "user"}},
		{"ec2", []string{"ec2"}},
		{"web", []string{"web"}},
		{"self", []string{"self"}},
		{"on-static", []string{"on-static", "static-with-role"}},
		{"static-with-role", []string{"static-with-role", "user"}},
		{"on-creds-only", []string{"on-creds-only", "creds-only"}},
		{"creds-only", []string{"creds-only"}},
		{"process", []string{"process"}},
		{"sso", []string{"sso"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			chain, err := c.Chain(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if got := chainNames(chain); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("chain = %q, want %q", got, tt.want)
			}
			for _, p := range chain {
				if p.Raw == nil || p.Pos[""].Line == 0 {
					t.Fatalf("profile %q of the chain has no Raw/Pos", p.Name)
				}
			}
		})
	}
}

func TestChainUnknownTargetIsAKeyringProfile(t *testing.T) {
	c := mustLoad(t, chainConfig, chainCredentials)
	chain, err := c.Chain("only-in-keyring")
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 1 || chain[0].Name != "only-in-keyring" || chain[0].Defined() {
		t.Fatalf("chain = %+v", chain)
	}
	if _, err := c.Lookup("only-in-keyring"); err == nil ||
		err.Error() != `profile "only-in-keyring" not found in `+c.Files.ConfigPath+" or "+c.Files.CredentialsPath {
		t.Fatalf("Lookup error = %v", err)
	}
	if p, err := c.Lookup("role"); err != nil || p.Name != "role" || !p.Defined() {
		t.Fatalf("Lookup(role) = %v, %v", p, err)
	}
}

func TestChainErrors(t *testing.T) {
	tests := []struct {
		name   string
		config string
		target string
		want   string
		kind   error
	}{
		{"unknown source_profile",
			"[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile = nope\n",
			"a", `C:6: profile "b": source_profile "nope" not found in C or K (chain a -> b)`, ErrNotFound},
		{"cycle",
			"[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile = a\n",
			"a", `C:6: profile "b": source_profile cycle a -> b -> a`, ErrCycle},
		{"cycle further down",
			"[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile = c\n[profile c]\nrole_arn = arn:aws:iam::123456789012:role/C\nsource_profile = b\n",
			"a", `C:9: profile "c": source_profile cycle a -> b -> c -> b`, ErrCycle},
		{"role_arn with no source",
			"[profile a]\nregion = x\nrole_arn = arn:aws:iam::123456789012:role/A\n",
			"a", `C:3: profile "a": role_arn has no source: set source_profile, credential_source or web_identity_token_file`, ErrNoSource},
		{"role_arn with no source in the chain",
			"[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\n",
			"a", `C:5: profile "b": role_arn has no source: set source_profile, credential_source or web_identity_token_file (chain a -> b)`, ErrNoSource},
		{"bad value in a source profile",
			"[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = b\n[profile b]\nduration_seconds = 5\n",
			"a", `C:5: profile "b": duration_seconds 5 is out of range: want 900 to 43200 seconds (15 minutes to 12 hours) (chain a -> b)`, ErrInvalid},
		{"syntax error anywhere",
			"[profile a]\n[profile b c]\n",
			"a", `C:2: section header "[profile b c]": profile name "b c" contains a space`, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFiles(t, tt.config, "")
			c, _ := Load(f)
			if c == nil {
				t.Fatal("nil Config")
			}
			chain, err := c.Chain(tt.target)
			if err == nil {
				t.Fatalf("no error; chain %q", chainNames(chain))
			}
			want := strings.NewReplacer("C:", f.ConfigPath+":", " C or K", " "+f.ConfigPath+" or "+f.CredentialsPath).Replace(tt.want)
			if err.Error() != want {
				t.Fatalf("error\n got: %s\nwant: %s", err, want)
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("errors.Is(%v) = false", tt.kind)
			}
		})
	}
}

func TestChainIgnoresProblemsOfOtherProfiles(t *testing.T) {
	c, err := Load(writeFiles(t, "[profile good]\nregion = x\n[profile bad]\nduration_seconds = x\n", ""))
	if err == nil {
		t.Fatal("Load must report the bad profile")
	}
	if _, err := c.Chain("good"); err != nil {
		t.Fatalf("Chain(good): %v", err)
	}
	if _, err := c.Chain("bad"); err == nil {
		t.Fatal("Chain(bad): no error")
	}
}

func TestChainHintForBareSection(t *testing.T) {
	f := writeFiles(t, "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = base\n[base]\n", "")
	c, _ := Load(f)
	_, err := c.Chain("a")
	if err == nil {
		t.Fatal("no error")
	}
	if h := hint.Of(err); h != "use [profile base] instead of [base] in "+f.ConfigPath {
		t.Fatalf("hint = %q", h)
	}
}

// TestChainAWSVaultReadings: a profile with source_profile and no role_arn
// passes its source's credentials on, and include_profile fills what a
// profile leaves unset, as aws-vault reads the config (issue 8).
func TestChainAWSVaultReadings(t *testing.T) {
	c := mustLoad(t, `[profile base]
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile alias]
source_profile = base
region = eu-west-1

[profile alias2]
source_profile = alias

[profile role]
role_arn = arn:aws:iam::123456789012:role/R
source_profile = alias

[profile inc-role]
include_profile = role
region = us-west-2
role_session_name = mine

[profile inc-inc]
include_profile = inc-role

[profile process-alias]
source_profile = base
credential_process = /bin/echo
`, "")
	for _, tt := range []struct {
		target string
		want   []string
	}{
		{"alias", []string{"alias", "base"}},
		{"alias2", []string{"alias2", "alias", "base"}},
		{"role", []string{"role", "alias", "base"}},
		{"inc-role", []string{"inc-role", "alias", "base"}},
		{"inc-inc", []string{"inc-inc", "alias", "base"}},
		{"process-alias", []string{"process-alias"}},
	} {
		chain, err := c.Chain(tt.target)
		if err != nil {
			t.Fatalf("%s: %v", tt.target, err)
		}
		if got := chainNames(chain); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: chain = %q, want %q", tt.target, got, tt.want)
		}
	}
	p, _ := c.Profile("inc-inc")
	if p.RoleARN != "arn:aws:iam::123456789012:role/R" || p.Region != "us-west-2" || p.RoleSessionName != "mine" || p.SourceProfile != "alias" {
		t.Errorf("inc-inc = %+v", p)
	}
	if own, _ := c.Profile("inc-role"); own.Region != "us-west-2" {
		t.Errorf("include_profile replaced a key the profile sets: region %q", own.Region)
	}
}

func TestChainIncludeProfileErrors(t *testing.T) {
	for _, tt := range []struct {
		name, config, target, want string
		kind                       error
	}{
		{"cycle", "[profile a]\ninclude_profile = b\n[profile b]\nregion = x\ninclude_profile = c\n[profile c]\ninclude_profile = a\n",
			"a", `C:7: profile "a": include_profile cycle a -> b -> c -> a`, ErrCycle},
		{"self", "[profile a]\nregion = x\ninclude_profile = a\n",
			"a", `C:3: profile "a": include_profile cycle a -> a`, ErrCycle},
		{"missing", "[profile a]\ninclude_profile = nope\n",
			"a", `C:2: profile "a": include_profile "nope" not found in C or K`, ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFiles(t, tt.config, "")
			c, _ := Load(f)
			if c == nil {
				t.Fatal("nil Config")
			}
			_, err := c.Chain(tt.target)
			want := strings.NewReplacer("C:", f.ConfigPath+":", " C or K", " "+f.ConfigPath+" or "+f.CredentialsPath).Replace(tt.want)
			if err == nil || err.Error() != want {
				t.Fatalf("error\n got: %v\nwant: %s", err, want)
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("errors.Is(%v) = false", tt.kind)
			}
		})
	}
}
