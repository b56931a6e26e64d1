package plan

import (
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/config"
)

// TestOriginOf: what the audit log records of each kind of chain (issue 12).
func TestOriginOf(t *testing.T) {
	const (
		mfa   = "arn:aws:iam::123456789012:mfa/dev"
		roleA = "arn:aws:iam::123456789012:role/a"
		roleB = "arn:aws:iam::123456789012:role/b"
	)
	user := &config.Profile{Name: "dev"}
	userMFA := &config.Profile{Name: "dev", MFASerial: mfa}
	a := &config.Profile{Name: "a", SourceProfile: "dev", RoleARN: roleA}
	aMFA := &config.Profile{Name: "a", SourceProfile: "dev", RoleARN: roleA, MFASerial: mfa}
	b := &config.Profile{Name: "b", SourceProfile: "a", RoleARN: roleB}
	web := &config.Profile{Name: "w", RoleARN: roleA, WebIdentityTokenFile: "/tmp/token"}
	sso := &config.Profile{Name: "s", SSOStartURL: "https://x.awsapps.com/start", SSORegion: "eu-west-1", SSOAccountID: "123456789012", SSORoleName: "r"}
	proc := &config.Profile{Name: "p", CredentialProcess: "printf '{}'"}
	for _, tc := range []struct {
		name   string
		chain  []*config.Profile
		opts   Options
		cached bool
		want   string // source roles mfa
	}{
		{"user session", []*config.Profile{user}, Options{}, false, "GetSessionToken  false"},
		{"user session with MFA, cached", []*config.Profile{userMFA}, Options{}, true, "cache  true"},
		{"user keys as they are", []*config.Profile{user}, Options{NoSession: true}, false, "static  false"},
		{"role", []*config.Profile{a, user}, Options{}, false, "AssumeRole " + roleA + " false"},
		{"role over an MFA session", []*config.Profile{aMFA, user}, Options{}, false, "AssumeRole " + roleA + " true"},
		{"role chain, cached", []*config.Profile{b, a, user}, Options{}, true, "cache " + roleA + "," + roleB + " false"},
		{"web identity", []*config.Profile{web}, Options{}, false, "AssumeRoleWithWebIdentity " + roleA + " false"},
		{"SSO", []*config.Profile{sso}, Options{}, false, "GetRoleCredentials  false"},
		{"credential_process", []*config.Profile{proc}, Options{}, false, "credential_process  false"},
	} {
		top, err := Plan(tc.chain, tc.opts, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		o := OriginOf(top, tc.cached)
		got := o.Source + " " + strings.Join(o.Roles, ",") + " " + map[bool]string{true: "true", false: "false"}[o.MFA]
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
