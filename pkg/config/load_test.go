package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/hint"
)

// writeFiles puts config and credentials (either may be "" for a missing
// file) into a temporary folder.
func writeFiles(t *testing.T, config, credentials string) Files {
	t.Helper()
	dir := t.TempDir()
	f := Files{ConfigPath: filepath.Join(dir, "config"), CredentialsPath: filepath.Join(dir, "credentials")}
	if config != "" {
		if err := os.WriteFile(f.ConfigPath, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if credentials != "" {
		if err := os.WriteFile(f.CredentialsPath, []byte(credentials), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func mustLoad(t *testing.T, config, credentials string) *Config {
	t.Helper()
	c, err := Load(writeFiles(t, config, credentials))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func mustProfile(t *testing.T, c *Config, name string) *Profile {
	t.Helper()
	p, ok := c.Profile(name)
	if !ok {
		t.Fatalf("profile %q not found; have %q", name, c.Names())
	}
	return p
}

func TestLoadMissingFilesIsNotAnError(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(Files{ConfigPath: filepath.Join(dir, "nope", "config"), CredentialsPath: filepath.Join(dir, "credentials")})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Names()) != 0 {
		t.Fatalf("names = %q", c.Names())
	}
	// A path under a regular file (ENOTDIR) is missing too.
	f := writeFiles(t, "[default]\n", "")
	if _, err := Load(Files{ConfigPath: filepath.Join(f.ConfigPath, "x")}); err != nil {
		t.Fatal(err)
	}
}

func TestLoadUnreadableFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	// A folder where the file should be cannot be read.
	if _, err := Load(Files{ConfigPath: dir}); err == nil {
		t.Fatal("want an error reading a folder as the config file")
	}
}

func TestDefaultFiles(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	home := filepath.FromSlash("/home/u")
	tests := []struct {
		name string
		env  map[string]string
		want Files
	}{
		{"defaults", nil, Files{filepath.Join(home, ".aws", "config"), filepath.Join(home, ".aws", "credentials")}},
		{"absolute", map[string]string{"AWS_CONFIG_FILE": "/etc/c", "AWS_SHARED_CREDENTIALS_FILE": "/etc/k"}, Files{"/etc/c", "/etc/k"}},
		{"tilde", map[string]string{"AWS_CONFIG_FILE": "~/cfg/c", "AWS_SHARED_CREDENTIALS_FILE": "~"}, Files{filepath.Join(home, "cfg", "c"), home}},
		{"tilde user is not expanded", map[string]string{"AWS_CONFIG_FILE": "~bob/c"}, Files{"~bob/c", filepath.Join(home, ".aws", "credentials")}},
		{"empty means unset", map[string]string{"AWS_CONFIG_FILE": ""}, Files{filepath.Join(home, ".aws", "config"), filepath.Join(home, ".aws", "credentials")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultFiles(env(tt.env), home); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestParseRules checks the INI dialect: each case is a config file and the
// Raw map expected for one profile.
func TestParseRules(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		profile string
		want    map[string]string
	}{
		{"full-line comments", "# c\n; c\n[profile a]\n  # indented comment\nregion = x\n", "a", map[string]string{"region": "x"}},
		{"inline comment after a space", "[profile a]\nregion = eu-west-1 # prod\nb = v ;c\nc = v\t#t\n", "a", map[string]string{"region": "eu-west-1", "b": "v", "c": "v"}},
		{"hash without space is part of the value", "[profile a]\nx = a#b;c\ny=#z\n", "a", map[string]string{"x": "a#b;c", "y": "#z"}},
		{"value that is only a comment", "[profile a]\nx = # nothing\n", "a", map[string]string{"x": ""}},
		{"keys are case-insensitive", "[profile a]\nRegion = x\nROLE_ARN = arn:aws:iam::123456789012:role/r\n", "a", map[string]string{"region": "x", "role_arn": "arn:aws:iam::123456789012:role/r"}},
		{"colon delimiter", "[profile a]\nregion: us-east-1\nurl = http://h:1\n", "a", map[string]string{"region": "us-east-1", "url": "http://h:1"}},
		{"odd spacing", "  [profile a]  \n\tregion=x\t\n key   =   spaced value  \n", "a", map[string]string{"region": "x", "key": "spaced value"}},
		{"header comment", "[profile a] # the a profile\nregion = x\n[profile b] ; b\n", "a", map[string]string{"region": "x"}},
		{"spaces inside brackets", "[ profile a ]\nregion = x\n", "a", map[string]string{"region": "x"}},
		{"quoted profile name", "[profile \"my prof\"]\nregion = x\n", "my prof", map[string]string{"region": "x"}},
		{"CRLF", "[profile a]\r\nregion = x\r\n\r\nb = y\r\n", "a", map[string]string{"region": "x", "b": "y"}},
		{"BOM", "\ufeff[profile a]\nregion = x\n", "a", map[string]string{"region": "x"}},
		{"no final newline", "[profile a]\nregion = x", "a", map[string]string{"region": "x"}},
		{"continuation lines", "[profile a]\nx = one\n  two\n\tthree\ny = z\n", "a", map[string]string{"x": "one\ntwo\nthree", "y": "z"}},
		{"nested block", "[profile a]\ns3 =\n  max_concurrent_requests = 10\n  Addressing_Style = path\nregion = x\n", "a", map[string]string{"s3": "", "region": "x"}},
		{"indented key right after a header is a key", "[profile a]\n  region = x\n", "a", map[string]string{"region": "x"}},
		{"later key wins", "[profile a]\nregion = x\nregion = y\n", "a", map[string]string{"region": "y"}},
		{"duplicate sections merge", "[profile a]\nregion = x\nb = 1\n[profile b]\n[profile a]\nregion = y\n", "a", map[string]string{"region": "y", "b": "1"}},
		{"profile default is default", "[default]\nregion = x\nb = 1\n[profile default]\nregion = y\n", "default", map[string]string{"region": "y", "b": "1"}},
		{"bare sections are not profiles", "[plugins]\ncli_legacy_plugin_path = /x\n[profile a]\nregion = x\n", "a", map[string]string{"region": "x"}},
		{"empty profile", "[profile a]\n", "a", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.config, "")
			p := mustProfile(t, c, tt.profile)
			if !reflect.DeepEqual(p.Raw, tt.want) {
				t.Fatalf("Raw = %q, want %q", p.Raw, tt.want)
			}
		})
	}
}

func TestNestedBlock(t *testing.T) {
	c := mustLoad(t, "[profile a]\ns3 =\n  max_concurrent_requests = 10\n  Addressing_Style = path # kept\n", "")
	p := mustProfile(t, c, "a")
	want := map[string]map[string]string{"s3": {"max_concurrent_requests": "10", "addressing_style": "path # kept"}}
	if !reflect.DeepEqual(p.Nested, want) {
		t.Fatalf("Nested = %q, want %q", p.Nested, want)
	}
	if got := p.Pos["s3"].Line; got != 2 {
		t.Fatalf("s3 line = %d", got)
	}
}

func TestBareSectionIsNotAProfile(t *testing.T) {
	c := mustLoad(t, "[dev]\nregion = x\n[preview]\ncloudfront = true\n", "")
	if _, ok := c.Profile("dev"); ok {
		t.Fatal("[dev] in the config file must not be a profile")
	}
	_, err := c.Lookup("dev")
	if err == nil || !errors.Is(err, ErrNotFound) {
		t.Fatalf("Lookup: %v", err)
	}
	if h := hint.Of(err); !strings.Contains(h, "[profile dev]") {
		t.Fatalf("hint = %q", h)
	}
}

func TestPositions(t *testing.T) {
	f := writeFiles(t, "# top\n[profile a]\nregion = x\n\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = b\n[profile b]\n", "[a]\nregion = y\n[b]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n")
	c, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	a := mustProfile(t, c, "a")
	want := map[string]Pos{
		"":               {f.ConfigPath, 2},
		"region":         {f.CredentialsPath, 2},
		"role_arn":       {f.ConfigPath, 5},
		"source_profile": {f.ConfigPath, 6},
	}
	if !reflect.DeepEqual(a.Pos, want) {
		t.Fatalf("Pos = %v, want %v", a.Pos, want)
	}
	if got := a.Pos["role_arn"].String(); got != f.ConfigPath+":5" {
		t.Fatalf("Pos.String() = %q", got)
	}
	if a.Region != "y" {
		t.Fatalf("credentials file must override the config file: region = %q", a.Region)
	}
	b := mustProfile(t, c, "b")
	if !b.HasStaticKeys() || b.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" || b.SecretAccessKey != "s" {
		t.Fatalf("b keys = %q %q", b.AccessKeyID, b.SecretAccessKey)
	}
}

func TestCredentialsFile(t *testing.T) {
	c := mustLoad(t,
		"[default]\nregion = us-east-1\n[profile a]\nregion = eu-west-1\naws_access_key_id = AKIACONFIGEXAMPLE000\naws_secret_access_key = fromconfig\n",
		"[default]\naws_access_key_id = AKIADEFAULTEXAMPLE00\naws_secret_access_key = d\n[a]\naws_secret_access_key = fromcreds\n[only]\naws_access_key_id = AKIAONLYEXAMPLE00000\naws_secret_access_key = o\naws_session_token = tok\n")
	if got, want := c.Names(), []string{"default", "a", "only"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Names = %q, want %q", got, want)
	}
	d := mustProfile(t, c, "default")
	if d.Region != "us-east-1" || d.AccessKeyID != "AKIADEFAULTEXAMPLE00" {
		t.Fatalf("default = %+v", d)
	}
	a := mustProfile(t, c, "a")
	if a.AccessKeyID != "AKIACONFIGEXAMPLE000" || a.SecretAccessKey != "fromcreds" {
		t.Fatalf("a keys = %q %q", a.AccessKeyID, a.SecretAccessKey)
	}
	o := mustProfile(t, c, "only")
	if !o.Defined() || o.SessionToken != "tok" || !o.HasStaticKeys() {
		t.Fatalf("a profile only in the credentials file exists: %+v", o)
	}
}

func TestTypedFields(t *testing.T) {
	cfg := `[profile full]
region = eu-west-1
source_profile = base
role_arn = arn:aws:iam::123456789012:role/path/to/Admin
mfa_serial = arn:aws:iam::123456789012:mfa/alice
role_session_name = alice@example.com
external_id = ext-123:/x
duration_seconds = 3600
source_identity = alice
session_tags = Project=credo, Team = platform ,Empty=
transitive_session_tags = Project,Team
mfa_process = ykman oath accounts code --single AWS
endpoint_url = http://127.0.0.1:1
ignore_configured_endpoint_urls = TRUE
services = local

[profile base]
credential_process = /usr/bin/get-creds --profile base

[profile sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly

[profile legacy-sso]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Admin

[profile web]
role_arn = arn:aws-cn:iam::123456789012:role/Web
web_identity_token_file = /var/run/token

[profile ec2]
role_arn = arn:aws-us-gov:iam::123456789012:role/R
credential_source = Ec2InstanceMetadata

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
sso_registration_scopes = sso:account:access, codewhisperer:completions

[services local]
sts =
  endpoint_url = http://127.0.0.1:4566
iam =
  endpoint_url = http://127.0.0.1:4567
`
	c := mustLoad(t, cfg, "")
	full := mustProfile(t, c, "full")
	want := Profile{
		Name:                         "full",
		Region:                       "eu-west-1",
		SourceProfile:                "base",
		RoleARN:                      "arn:aws:iam::123456789012:role/path/to/Admin",
		MFASerial:                    "arn:aws:iam::123456789012:mfa/alice",
		RoleSessionName:              "alice@example.com",
		ExternalID:                   "ext-123:/x",
		Duration:                     time.Hour,
		SourceIdentity:               "alice",
		SessionTags:                  map[string]string{"Project": "credo", "Team": "platform", "Empty": ""},
		TransitiveSessionTags:        []string{"Project", "Team"},
		MFAProcess:                   "ykman oath accounts code --single AWS",
		EndpointURL:                  "http://127.0.0.1:1",
		IgnoreConfiguredEndpointURLs: true,
		Services: map[string]map[string]string{
			"sts": {"endpoint_url": "http://127.0.0.1:4566"},
			"iam": {"endpoint_url": "http://127.0.0.1:4567"},
		},
	}
	got := *full
	got.Raw, got.Pos, got.Nested, got.spans = nil, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("full =\n%+v\nwant\n%+v", got, want)
	}
	if !full.IsRole() || full.IsSSO() {
		t.Fatal("full is a role, not SSO")
	}

	if p := mustProfile(t, c, "base"); p.CredentialProcess != "/usr/bin/get-creds --profile base" {
		t.Fatalf("credential_process = %q", p.CredentialProcess)
	}
	sso := mustProfile(t, c, "sso")
	if sso.SSOSession != "corp" || sso.SSOStartURL != "https://corp.awsapps.com/start" || sso.SSORegion != "eu-central-1" ||
		!reflect.DeepEqual(sso.SSORegistrationScopes, []string{"sso:account:access", "codewhisperer:completions"}) ||
		sso.SSOAccountID != "111122223333" || sso.SSORoleName != "ReadOnly" || !sso.IsSSO() {
		t.Fatalf("sso = %+v", sso)
	}
	legacy := mustProfile(t, c, "legacy-sso")
	if legacy.SSOStartURL != "https://old.awsapps.com/start" || legacy.SSORegion != "us-east-1" || !legacy.IsSSO() {
		t.Fatalf("legacy sso = %+v", legacy)
	}
	web := mustProfile(t, c, "web")
	if !web.IsWebIdentity() || web.WebIdentityTokenFile != "/var/run/token" {
		t.Fatalf("web = %+v", web)
	}
	if ec2 := mustProfile(t, c, "ec2"); ec2.CredentialSource != "Ec2InstanceMetadata" {
		t.Fatalf("ec2 = %+v", ec2)
	}
}

// TestLoadErrors checks every validation message, with its file and line.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name        string
		config      string
		credentials string
		want        string // "C:" and "K:" stand for the config and credentials paths
		kind        error
	}{
		// Syntax.
		{"header without ]", "[default]\n[profile a\nregion = x\n", "", `C:2: section header "[profile a" has no closing "]"`, ErrSyntax},
		{"header without name", "[profile\n", "", `C:1: section header "[profile" has no closing "]"`, ErrSyntax},
		{"empty header", "\n[]\n", "", `C:2: section header "[]" has no name`, ErrSyntax},
		{"blank header", "[   ]\n", "", `C:1: section header "[   ]" has no name`, ErrSyntax},
		{"profile with no name", "[profile]\n", "", `C:1: section header "[profile]" has no profile name`, ErrSyntax},
		{"profile name with a space", "[default]\n\n[profile a b]\n", "", `C:3: section header "[profile a b]": profile name "a b" contains a space`, ErrSyntax},
		{"empty quoted name", "[profile \"\"]\n", "", `C:1: section header "[profile \"\"]" has an empty profile name`, ErrSyntax},
		{"sso-session with no name", "[sso-session ]\n", "", `C:1: section header "[sso-session ]" has no sso-session name`, ErrSyntax},
		{"services with no name", "[services]\n", "", `C:1: section header "[services]" has no services name`, ErrSyntax},
		{"unknown section type", "[porfile dev]\n", "", `C:1: section header "[porfile dev]": unknown section type "porfile"`, ErrSyntax},
		{"text after header", "[profile a] b\n", "", `C:1: section header "[profile a] b" has text after "]"`, ErrSyntax},
		{"credentials header with profile", "", "[default]\n[profile a]\n", `K:2: section header "[profile a]": a profile name cannot contain a space`, ErrSyntax},
		{"key before any section", "region = x\n[default]\n", "", `C:1: key outside any section: the file must start with a section header such as [default]`, ErrSyntax},
		{"line without delimiter", "[default]\nregion x\n", "", `C:2: line is not a section header, a comment or "key = value"`, ErrSyntax},
		{"secret-looking line is not echoed", "", "[default]\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", `K:2: line is not a section header, a comment or "key = value"`, ErrSyntax},
		{"missing key", "[default]\n= x\n", "", `C:2: no key before "="`, ErrSyntax},
		{"nested line without =", "[services s]\nsts =\n  endpoint_url = x\n  oops\n", "", `C:4: indented line under "sts" is not "key = value"`, ErrSyntax},
		{"nested line without key", "[services s]\nsts =\n  = x\n", "", `C:3: indented line under "sts" has no key before "="`, ErrSyntax},

		// Values.
		{"duration not a number", "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev\nduration_seconds = abc\n", "", `C:4: profile "dev": duration_seconds "abc" is not a whole number of seconds`, ErrInvalid},
		{"duration with unit", "[profile dev]\nduration_seconds = 1h\n", "", `C:2: profile "dev": duration_seconds "1h" is not a whole number of seconds`, ErrInvalid},
		{"duration negative", "[profile dev]\nduration_seconds = -900\n", "", `C:2: profile "dev": duration_seconds "-900" is not a whole number of seconds`, ErrInvalid},
		{"duration too short", "[profile dev]\nduration_seconds = 899\n", "", `C:2: profile "dev": duration_seconds 899 is out of range: want 900 to 43200 seconds (15 minutes to 12 hours)`, ErrInvalid},
		{"duration too long", "[profile dev]\nduration_seconds = 43201\n", "", `C:2: profile "dev": duration_seconds 43201 is out of range: want 900 to 43200 seconds (15 minutes to 12 hours)`, ErrInvalid},
		{"duration huge", "[profile dev]\nduration_seconds = 99999999999999999999\n", "", `C:2: profile "dev": duration_seconds "99999999999999999999" is not a whole number of seconds`, ErrInvalid},
		{"duration in credentials file", "", "[dev]\nduration_seconds = x\n", `K:2: profile "dev": duration_seconds "x" is not a whole number of seconds`, ErrInvalid},
		{"role_session_name too short", "[profile dev]\nrole_session_name = a\n", "", `C:2: profile "dev": role_session_name "a" must be 2 to 64 characters of letters, digits and _+=,.@-`, ErrInvalid},
		{"role_session_name bad char", "[profile dev]\nrole_session_name = alice smith\n", "", `C:2: profile "dev": role_session_name "alice smith" must be 2 to 64 characters of letters, digits and _+=,.@-`, ErrInvalid},
		{"role_session_name too long", "[profile dev]\nrole_session_name = " + strings.Repeat("a", 65) + "\n", "", `C:2: profile "dev": role_session_name "` + strings.Repeat("a", 65) + `" must be 2 to 64 characters of letters, digits and _+=,.@-`, ErrInvalid},
		{"source_identity bad", "[profile dev]\nsource_identity = a/b\n", "", `C:2: profile "dev": source_identity "a/b" must be 2 to 64 characters of letters, digits and _+=,.@-`, ErrInvalid},
		{"external_id too short", "[profile dev]\nexternal_id = x\n", "", `C:2: profile "dev": external_id "x" must be 2 to 1224 characters of letters, digits and _+=,.@:/-`, ErrInvalid},
		{"external_id bad char", "[profile dev]\nexternal_id = a*b\n", "", `C:2: profile "dev": external_id "a*b" must be 2 to 1224 characters of letters, digits and _+=,.@:/-`, ErrInvalid},
		{"mfa_serial short account", "[profile dev]\nmfa_serial = arn:aws:iam::12345:mfa/alice\n", "", `C:2: profile "dev": mfa_serial "arn:aws:iam::12345:mfa/alice" is neither an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) nor a hardware token serial number`, ErrInvalid},
		{"mfa_serial not mfa", "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:user/alice\n", "", `C:2: profile "dev": mfa_serial "arn:aws:iam::123456789012:user/alice" is neither an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) nor a hardware token serial number`, ErrInvalid},
		{"mfa_serial too short serial", "[profile dev]\nmfa_serial = GAHT1234\n", "", `C:2: profile "dev": mfa_serial "GAHT1234" is neither an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) nor a hardware token serial number`, ErrInvalid},
		{"role_arn wrong service", "[profile dev]\nrole_arn = arn:aws:sts::123456789012:role/r\ncredential_source = Environment\n", "", `C:2: profile "dev": role_arn "arn:aws:sts::123456789012:role/r" is not a role ARN (arn:aws:iam::123456789012:role/NAME)`, ErrInvalid},
		{"role_arn no name", "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/\ncredential_source = Environment\n", "", `C:2: profile "dev": role_arn "arn:aws:iam::123456789012:role/" is not a role ARN (arn:aws:iam::123456789012:role/NAME)`, ErrInvalid},
		{"role_arn quoted", "[profile dev]\nrole_arn = \"arn:aws:iam::123456789012:role/r\"\ncredential_source = Environment\n", "", `C:2: profile "dev": role_arn "\"arn:aws:iam::123456789012:role/r\"" is not a role ARN (arn:aws:iam::123456789012:role/NAME)`, ErrInvalid},
		{"source_profile and credential_source", "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\ncredential_source = Environment\n[profile base]\n", "", `C:4: profile "dev": source_profile and credential_source are both set: a role takes its source credentials from one of them`, ErrInvalid},
		{"credential_source unknown", "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = environment\n", "", `C:3: profile "dev": credential_source "environment" is not one of Environment, Ec2InstanceMetadata, EcsContainer`, ErrInvalid},
		{"sso_session missing", "[profile dev]\nregion = x\nsso_session = corp\n", "", `C:3: profile "dev": sso_session "corp": no [sso-session corp] section in C`, ErrNotFound},
		{"sso_start_url differs from session", "[profile dev]\nsso_session = corp\nsso_start_url = https://a/start\n[sso-session corp]\nsso_start_url = https://b/start\n", "", `C:3: profile "dev": sso_start_url "https://a/start" differs from sso_start_url "https://b/start" of sso-session "corp" at C:5`, ErrInvalid},
		{"services missing", "[profile dev]\nservices = local\n", "", `C:2: profile "dev": services "local": no [services local] section in C`, ErrNotFound},
		{"session_tags malformed", "[profile dev]\nsession_tags = a=b,c\n", "", `C:2: profile "dev": session_tags "a=b,c" is not a list of Key=Value pairs separated by commas`, ErrInvalid},
		{"access key without secret", "", "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", `K:2: profile "dev": aws_access_key_id is set without aws_secret_access_key`, ErrInvalid},
		{"secret without access key", "", "[dev]\n\naws_secret_access_key = hush\n", `K:3: profile "dev": aws_secret_access_key is set without aws_access_key_id`, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFiles(t, tt.config, tt.credentials)
			c, err := Load(f)
			if err == nil {
				t.Fatal("Load: no error")
			}
			want := strings.NewReplacer("C:", f.ConfigPath+":", "K:", f.CredentialsPath+":", " in C", " in "+f.ConfigPath, " at C", " at "+f.ConfigPath).Replace(tt.want)
			if err.Error() != want {
				t.Fatalf("error\n got: %s\nwant: %s", err, want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %T", err)
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("errors.Is(err, %v) = false", tt.kind)
			}
			if c == nil {
				t.Fatal("Load must return the Config along with the problems")
			}
			if strings.Contains(err.Error(), "hush") || strings.Contains(err.Error(), "wJalr") {
				t.Fatal("a secret is in the error message")
			}
		})
	}
}

func TestLoadReportsEveryProblemInFileOrder(t *testing.T) {
	f := writeFiles(t,
		"[profile a]\nduration_seconds = x\n[profile b\n[profile c]\nrole_session_name = !\n",
		"[a]\nexternal_id = *\n")
	_, err := Load(f)
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %T: %v", err, err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Pos.String())
	}
	want := []string{f.ConfigPath + ":2", f.ConfigPath + ":3", f.ConfigPath + ":5", f.CredentialsPath + ":2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("positions = %q, want %q", got, want)
	}
	if n := strings.Count(err.Error(), "\n"); n != 3 {
		t.Fatalf("want one line per problem, got\n%s", err)
	}
}

func TestErrorHints(t *testing.T) {
	f := writeFiles(t, "[profile a b]\n", "")
	_, err := Load(f)
	if h := hint.Of(err); h != `quote a name with spaces: [profile "a b"]` {
		t.Fatalf("hint = %q", h)
	}
	f = writeFiles(t, "", "[profile a]\n")
	_, err = Load(f)
	if h := hint.Of(err); h != `in the credentials file a section is [a], without "profile"` {
		t.Fatalf("hint = %q", h)
	}
	// Hints survive in a list of problems too.
	f = writeFiles(t, "[profile a b]\n[profile c]\nduration_seconds = 1\n", "")
	_, err = Load(f)
	if h := hint.Of(err); h == "" {
		t.Fatal("no hint found in Errors")
	}
}

func TestValidValuesPass(t *testing.T) {
	ok := []string{
		"mfa_serial = arn:aws:iam::123456789012:mfa/alice",
		"mfa_serial = arn:aws-us-gov:iam::123456789012:mfa/path/alice.smith+x=y,z@corp-1_",
		"mfa_serial = GAHT12345678",
		"mfa_serial = 0123456789abcdef:/=+@",
		"role_arn = arn:aws:iam::123456789012:role/R",
		"role_arn = arn:aws-iso-b:iam::123456789012:role/service-role/a.b/R+=,.@-_",
		"duration_seconds = 900",
		"duration_seconds = 43200",
		"role_session_name = ab",
		"role_session_name = " + strings.Repeat("x", 64),
		"external_id = " + strings.Repeat("x", 1224),
		"external_id = arn:aws:iam::1:/x",
		"credential_source = EcsContainer",
		"session_tags = A=1",
		"ignore_configured_endpoint_urls = false",
	}
	for _, line := range ok {
		t.Run(line, func(t *testing.T) {
			if _, err := Load(writeFiles(t, "[profile p]\n"+line+"\n", "")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLoadNeverWrites(t *testing.T) {
	dir := t.TempDir()
	f := Files{ConfigPath: filepath.Join(dir, ".aws", "config"), CredentialsPath: filepath.Join(dir, ".aws", "credentials")}
	if _, err := Load(f); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".aws")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load created something: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := mustLoad(t, chainConfig, chainCredentials)
	done := make(chan struct{})
	for i := 0; i < 4; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, name := range c.Names() {
				if _, err := c.Chain(name); err != nil {
					t.Error(err)
				}
				if p, ok := c.Profile(name); !ok || p.Raw == nil {
					t.Errorf("profile %q", name)
				}
			}
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	a, _ := c.Profile("role")
	b, _ := c.Profile("role")
	if a != b {
		t.Fatal("Profile must return the same *Profile each time")
	}
}

// TestHintsNameLongProfilesShort: the hint for a missing profile, and for a
// [name] section that needs "profile ", cut a 1 MB name as the messages do
// (doctor prints hints as they are).
func TestHintsNameLongProfilesShort(t *testing.T) {
	long := strings.Repeat("n", 1<<20)
	c := mustLoad(t, "["+long+"]\nregion = us-east-1\n", "")
	for _, name := range []string{long, long + "x"} {
		_, err := c.Lookup(name)
		if h := hint.Of(err); h == "" || len(h) > 300 {
			t.Errorf("Lookup: a hint of %d bytes: %.200s", len(h), h)
		}
	}
	if h := c.SectionHint(long); h == "" || len(h) > 300 {
		t.Errorf("SectionHint: %d bytes: %.200s", len(h), h)
	}
}
