package config

import "time"

// Pos is where a value was read: a file and a 1-based line.
type Pos struct {
	File string
	Line int
}

// String formats the position as "file:line".
func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	return p.File + ":" + itoa(p.Line)
}

// Profile is one profile of the AWS config and credentials files, with every
// key credo honours already parsed into its type. A key that is absent has
// its zero value.
type Profile struct {
	Name string

	Region                string
	SourceProfile         string
	RoleARN               string
	MFASerial             string
	RoleSessionName       string
	ExternalID            string
	Duration              time.Duration // duration_seconds; 0 when unset
	SourceIdentity        string
	SessionTags           map[string]string // session_tags = Key1=Value1,Key2=Value2
	TransitiveSessionTags []string          // transitive_session_tags = Key1,Key2
	CredentialSource      string            // Environment, Ec2InstanceMetadata, EcsContainer
	CredentialProcess     string
	WebIdentityTokenFile  string
	MFAProcess            string // credo's own key

	SSOSession            string // name of the [sso-session NAME] section
	SSOStartURL           string // from the sso-session section, or the legacy profile key
	SSORegion             string
	SSORegistrationScopes []string
	SSOAccountID          string
	SSORoleName           string

	EndpointURL string
	// IgnoreConfiguredEndpointURLs is ignore_configured_endpoint_urls
	// ("true", any case); AWS_IGNORE_CONFIGURED_ENDPOINT_URLS overrides it.
	IgnoreConfiguredEndpointURLs bool
	// Services is the [services NAME] section the profile's `services` key
	// names: service id (as written, e.g. "sts") to its keys (endpoint_url, ...).
	Services map[string]map[string]string

	// Static keys from the credentials file (or the config file).
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// Raw holds every key of the merged section as written (lower-cased
	// key), so commands can show or pass on keys credo does not type.
	Raw map[string]string
	// Pos holds where each key of Raw was read, and "" for the section header.
	Pos map[string]Pos
	// Nested holds the indented blocks of the profile's own keys
	// (s3 =\n  max_concurrent_requests = 10): key to its sub-keys.
	Nested map[string]map[string]string

	spans []span // the sections this profile merges, config file first
}

// span is one section of one file that contributes keys to a profile.
type span struct {
	file   int // 0 the config file, 1 the credentials file
	line   int // the header's line
	lo, hi int // entries of the file
}

// IsRole reports whether the profile assumes a role.
func (p *Profile) IsRole() bool { return p.RoleARN != "" }

// HasStaticKeys reports whether the files themselves hold keys for the profile.
func (p *Profile) HasStaticKeys() bool { return p.AccessKeyID != "" && p.SecretAccessKey != "" }

// IsSSO reports whether the profile signs in through IAM Identity Center.
func (p *Profile) IsSSO() bool { return p.SSOAccountID != "" && p.SSORoleName != "" }

// Defined reports whether the profile has a section in either file. Chain
// returns an undefined profile (just a Name) for a target found in neither
// file, whose keys may be in the keyring.
func (p *Profile) Defined() bool { return len(p.spans) > 0 }

// assumesRole reports whether credentials come from AssumeRole with a source
// (role_arn without web_identity_token_file, as botocore decides).
func (p *Profile) assumesRole() bool { return p.RoleARN != "" && p.WebIdentityTokenFile == "" }

// PassesSource reports whether the profile takes its credentials from its
// source_profile without a role of its own, as aws-vault reads it: no
// role_arn and no source of its own (keys in the files, credential_process,
// SSO, web identity, credential_source). The AWS CLI has no credentials for
// such a profile.
func (p *Profile) PassesSource() bool {
	return p.RoleARN == "" && p.SourceProfile != "" && p.SourceProfile != p.Name &&
		p.CredentialSource == "" && !p.HasStaticKeys() && p.CredentialProcess == "" &&
		p.WebIdentityTokenFile == "" && !p.IsSSO() && p.SSOSession == "" && p.SSOStartURL == ""
}

// IsWebIdentity reports whether the profile assumes a role with a web identity token file.
func (p *Profile) IsWebIdentity() bool { return p.RoleARN != "" && p.WebIdentityTokenFile != "" }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// MissingSSOKeys lists the keys an IAM Identity Center profile lacks,
// among sso_start_url, sso_region, sso_account_id and sso_role_name.
func (p *Profile) MissingSSOKeys() []string {
	var missing []string
	for _, k := range [...]struct{ name, value string }{
		{"sso_start_url", p.SSOStartURL}, {"sso_region", p.SSORegion},
		{"sso_account_id", p.SSOAccountID}, {"sso_role_name", p.SSORoleName},
	} {
		if k.value == "" {
			missing = append(missing, k.name)
		}
	}
	return missing
}
