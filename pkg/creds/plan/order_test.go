package plan

import (
	"testing"

	"github.com/credo-cli/credo/pkg/config"
)

// TestSourceOrderIsTheAWSCLIs: within one profile, SSO comes before keys
// in the files, which come before credential_process.
func TestSourceOrderIsTheAWSCLIs(t *testing.T) {
	process := "printf '{}'"
	for _, tc := range []struct {
		name string
		p    config.Profile
		want SourceKind
	}{
		{"keys and a process", config.Profile{Name: "a", AccessKeyID: "AKIAKEYSEXAMPLE00001", SecretAccessKey: "s", CredentialProcess: process}, SourceStatic},
		{"SSO and a process", config.Profile{Name: "b", SSOStartURL: "https://x.awsapps.com/start", SSORegion: "eu-west-1", SSOAccountID: "123456789012", SSORoleName: "r", CredentialProcess: process}, SourceSSO},
		{"a process alone", config.Profile{Name: "c", CredentialProcess: process}, SourceProcess},
		{"nothing: the keyring", config.Profile{Name: "d"}, SourceStored},
	} {
		p := tc.p
		s, err := Plan([]*config.Profile{&p}, Options{}, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for s.Source != nil {
			s = s.Source
		}
		if s.Src != tc.want {
			t.Errorf("%s: source %v, want %v", tc.name, s.Src, tc.want)
		}
	}
}
