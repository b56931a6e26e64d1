package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigFiles writes a config file with n profiles of mixed kinds (users with
// MFA, roles chained on them, SSO) and a credentials file with keys for a
// tenth of them.
func bigFiles(tb testing.TB, n int) Files {
	tb.Helper()
	var cfg, cred strings.Builder
	cfg.WriteString("[default]\nregion = us-east-1\noutput = json\n\n")
	cfg.WriteString("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n")
	cfg.WriteString("[services local]\nsts =\n  endpoint_url = http://127.0.0.1:4566\n\n")
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&cfg, "# user %d\n[profile user%d]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/user%d\nmfa_process = ykman oath accounts code --single user%d\n\n", i, i, i, i)
			if i%40 == 0 {
				fmt.Fprintf(&cred, "[user%d]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n", i)
			}
		case 1, 2:
			fmt.Fprintf(&cfg, "[profile role%d]\nsource_profile = user%d\nrole_arn = arn:aws:iam::%012d:role/team/Admin%d\nmfa_serial = arn:aws:iam::123456789012:mfa/user%d\nduration_seconds = 3600\nrole_session_name = alice.smith@example.com\nregion = us-west-2\n\n", i, i-i%4, i, i, i-i%4)
		case 3:
			fmt.Fprintf(&cfg, "[profile sso%d]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = ReadOnly\nregion = eu-central-1\nservices = local\n\n", i, i)
		}
	}
	dir := tb.TempDir()
	f := Files{ConfigPath: filepath.Join(dir, "config"), CredentialsPath: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(f.ConfigPath, []byte(cfg.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(f.CredentialsPath, []byte(cred.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return f
}

// BenchmarkLoad1000Profiles is the hot path: every credo invocation loads
// both files, then resolves one chain.
func BenchmarkLoad1000Profiles(b *testing.B) {
	f := bigFiles(b, 1000)
	st, _ := os.Stat(f.ConfigPath)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		c, err := Load(f)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Chain("role998"); err != nil {
			b.Fatal(err)
		}
	}
}
