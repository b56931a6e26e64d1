package creds

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

const acct = "arn:aws:iam::123456789012:"

// TestRetrieveFlows runs each kind of profile against the fake STS through
// the real SDK client and checks the exact requests made.
func TestRetrieveFlows(t *testing.T) {
	type tc struct {
		name    string
		chain   func(e *env) []*config.Profile
		opts    Options
		wants   func(e *env) []want
		prompts int
		// identity is the ARN the returned credentials act as ("" = the
		// stored long-term key itself).
		identity string
		cached   int // sessions in the store afterwards
	}
	ses := sessionName()
	cases := []tc{
		{
			name:  "user profile gets a 12h session token",
			chain: func(*env) []*config.Profile { return []*config.Profile{base()} },
			wants: func(*env) []want {
				return []want{{action: "GetSessionToken", signer: aliceKey, form: map[string]string{"DurationSeconds": "43200", "Version": "2011-06-15"}}}
			},
			identity: acct + "user/alice",
			cached:   1,
		},
		{
			name:  "user profile with mfa_serial sends serial and code",
			chain: func(*env) []*config.Profile { return []*config.Profile{baseMFA()} },
			wants: func(*env) []want {
				return []want{{action: "GetSessionToken", signer: aliceKey, form: map[string]string{
					"DurationSeconds": "43200", "SerialNumber": aliceSerial, "TokenCode": goodCode}}}
			},
			prompts:  1,
			identity: acct + "user/alice",
			cached:   1,
		},
		{
			name: "user profile duration_seconds and --duration",
			chain: func(*env) []*config.Profile {
				p := base()
				p.Duration = 2 * time.Hour
				return []*config.Profile{p}
			},
			opts: Options{Duration: 3 * time.Hour},
			wants: func(*env) []want {
				return []want{{action: "GetSessionToken", signer: aliceKey, form: map[string]string{"DurationSeconds": "10800"}}}
			},
			identity: acct + "user/alice",
			cached:   1,
		},
		{
			name:  "--no-session hands out the stored keys",
			chain: func(*env) []*config.Profile { return []*config.Profile{baseMFA()} },
			opts:  Options{NoSession: true},
			wants: func(*env) []want { return nil },
		},
		{
			name:  "role without mfa_serial is assumed straight from the long-term keys",
			chain: func(*env) []*config.Profile { return []*config.Profile{role("dev"), base()} },
			wants: func(*env) []want {
				return []want{{action: "AssumeRole", signer: aliceKey, form: map[string]string{
					"RoleArn": acct + "role/dev", "RoleSessionName": ses, "DurationSeconds": "3600",
					"ExternalId": "", "SourceIdentity": "", "Tags.member.1.Key": ""}}}
			},
			identity: "arn:aws:sts::123456789012:assumed-role/dev/" + ses,
			cached:   1,
		},
		{
			name:  "role with mfa_serial: MFA session token for the source, then the role",
			chain: func(*env) []*config.Profile { return []*config.Profile{roleMFA("dev"), base()} },
			wants: func(e *env) []want {
				return []want{
					{action: "GetSessionToken", signer: aliceKey, form: map[string]string{
						"SerialNumber": aliceSerial, "TokenCode": goodCode, "DurationSeconds": "43200"}},
					{action: "AssumeRole", signer: e.fake.Issued()[0].AccessKeyID, form: map[string]string{
						"RoleArn": acct + "role/dev", "RoleSessionName": ses, "DurationSeconds": "3600"}},
				}
			},
			prompts:  1,
			identity: "arn:aws:sts::123456789012:assumed-role/dev/" + ses,
			cached:   2,
		},
		{
			name:  "role with mfa_serial asked for more than 1h is assumed from the long-term keys with the code",
			chain: func(*env) []*config.Profile { return []*config.Profile{roleMFA("dev"), base()} },
			opts:  Options{Duration: 4 * time.Hour},
			wants: func(*env) []want {
				return []want{{action: "AssumeRole", signer: aliceKey, form: map[string]string{
					"RoleArn": acct + "role/dev", "DurationSeconds": "14400", "SerialNumber": aliceSerial, "TokenCode": goodCode}}}
			},
			prompts:  1,
			identity: "arn:aws:sts::123456789012:assumed-role/dev/" + ses,
			cached:   1,
		},
		{
			name:  "--no-session role with mfa_serial skips the session token",
			chain: func(*env) []*config.Profile { return []*config.Profile{roleMFA("dev"), base()} },
			opts:  Options{NoSession: true},
			wants: func(*env) []want {
				return []want{{action: "AssumeRole", signer: aliceKey, form: map[string]string{
					"RoleArn": acct + "role/dev", "DurationSeconds": "3600", "SerialNumber": aliceSerial, "TokenCode": goodCode}}}
			},
			prompts:  1,
			identity: "arn:aws:sts::123456789012:assumed-role/dev/" + ses,
			cached:   1,
		},
		{
			name: "chain of three roles: each assumed with the previous role's credentials",
			chain: func(*env) []*config.Profile {
				return []*config.Profile{role("r3"), role("r2"), role("r1"), base()}
			},
			wants: func(e *env) []want {
				return []want{
					{action: "AssumeRole", signer: aliceKey, form: map[string]string{"RoleArn": acct + "role/r1", "DurationSeconds": "3600"}},
					{action: "AssumeRole", signer: e.fake.Issued()[0].AccessKeyID, form: map[string]string{"RoleArn": acct + "role/r2", "DurationSeconds": "3600"}},
					{action: "AssumeRole", signer: e.fake.Issued()[1].AccessKeyID, form: map[string]string{"RoleArn": acct + "role/r3", "DurationSeconds": "3600"}},
				}
			},
			identity: "arn:aws:sts::123456789012:assumed-role/r3/" + ses,
			cached:   3,
		},
		{
			name: "external id, session name, source identity and tags are passed exactly",
			chain: func(*env) []*config.Profile {
				p := role("dev")
				p.ExternalID = "ext-42"
				p.RoleSessionName = "bob@example.com"
				p.SourceIdentity = "bob"
				p.Duration = 2 * time.Hour
				p.SessionTags = map[string]string{"Team": "blue", "Env": "dev"}
				p.TransitiveSessionTags = []string{"Team"}
				return []*config.Profile{p, base()}
			},
			wants: func(*env) []want {
				return []want{{action: "AssumeRole", signer: aliceKey, form: map[string]string{
					"RoleArn": acct + "role/dev", "RoleSessionName": "bob@example.com", "ExternalId": "ext-42",
					"SourceIdentity": "bob", "DurationSeconds": "7200",
					"Tags.member.1.Key": "Env", "Tags.member.1.Value": "dev",
					"Tags.member.2.Key": "Team", "Tags.member.2.Value": "blue",
					"TransitiveTagKeys.member.1": "Team", "TransitiveTagKeys.member.2": ""}}}
			},
			identity: "arn:aws:sts::123456789012:assumed-role/dev/bob@example.com",
			cached:   1,
		},
		{
			name: "web_identity_token_file: AssumeRoleWithWebIdentity, unsigned",
			chain: func(e *env) []*config.Profile {
				f := filepath.Join(e.t.TempDir(), "token")
				if err := os.WriteFile(f, []byte("eyJ.token.sig\n"), 0o600); err != nil {
					e.t.Fatal(err)
				}
				return []*config.Profile{{Name: "wi", RoleARN: acct + "role/wi", WebIdentityTokenFile: f, RoleSessionName: "ci"}}
			},
			wants: func(*env) []want {
				return []want{{action: "AssumeRoleWithWebIdentity", signer: "", form: map[string]string{
					"RoleArn": acct + "role/wi", "RoleSessionName": "ci", "WebIdentityToken": "eyJ.token.sig", "DurationSeconds": "3600"}}}
			},
			identity: "arn:aws:sts::123456789012:assumed-role/wi/ci",
			cached:   1,
		},
		{
			name: "credential_process is a source: the role is assumed with its keys",
			chain: func(e *env) []*config.Profile {
				e.fake.AddUser("AKIAPROCESSEXAMPLE01", "s", "proc")
				src := &config.Profile{Name: "proc", CredentialProcess: `printf '%s\n' '{"Version": 1, "AccessKeyId": "AKIAPROCESSEXAMPLE01", "SecretAccessKey": "s"}'`}
				return []*config.Profile{role("dev"), src}
			},
			wants: func(*env) []want {
				return []want{{action: "AssumeRole", signer: "AKIAPROCESSEXAMPLE01", form: map[string]string{"RoleArn": acct + "role/dev", "DurationSeconds": "3600"}}}
			},
			identity: "arn:aws:sts::123456789012:assumed-role/dev/" + ses,
			cached:   1,
		},
		{
			name: "credential_source Environment: the role is assumed with the environment's keys",
			chain: func(e *env) []*config.Profile {
				e.fake.AddUser("AKIAENVIRONEXAMPLE01", "s", "envuser")
				e.vars["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONEXAMPLE01"
				e.vars["AWS_SECRET_ACCESS_KEY"] = "s"
				p := role("dev")
				p.SourceProfile = ""
				p.CredentialSource = "Environment"
				return []*config.Profile{p}
			},
			wants: func(*env) []want {
				return []want{{action: "AssumeRole", signer: "AKIAENVIRONEXAMPLE01", form: map[string]string{"RoleArn": acct + "role/dev"}}}
			},
			identity: "arn:aws:sts::123456789012:assumed-role/dev/" + ses,
			cached:   1,
		},
		{
			name: "static keys in the credentials file",
			chain: func(e *env) []*config.Profile {
				e.fake.AddUser("AKIASTATICEXAMPLE001", "s", "static")
				return []*config.Profile{role("dev"), {Name: "filekeys", AccessKeyID: "AKIASTATICEXAMPLE001", SecretAccessKey: "s"}}
			},
			wants: func(*env) []want {
				return []want{{action: "AssumeRole", signer: "AKIASTATICEXAMPLE001", form: map[string]string{"RoleArn": acct + "role/dev"}}}
			},
			identity: "arn:aws:sts::123456789012:assumed-role/dev/" + ses,
			cached:   1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			chain := c.chain(e)
			got := e.mustRetrieve(c.opts, chain...)
			checkRequests(t, e.reqs(), c.wants(e))
			if e.prompts != c.prompts {
				t.Errorf("asked for %d MFA codes, want %d", e.prompts, c.prompts)
			}
			if c.identity == "" {
				if got.AccessKeyID != aliceKey || got.SecretAccessKey != aliceSecret || got.SessionToken != "" || got.CanExpire {
					t.Errorf("got %+v, want the stored long-term key", got.AccessKeyID)
				}
			} else {
				is := e.issued(got.AccessKeyID)
				if is.ARN != c.identity {
					t.Errorf("credentials act as %s, want %s", is.ARN, c.identity)
				}
				if got.SecretAccessKey != is.SecretAccessKey || got.SessionToken != is.SessionToken || !got.Expires.Equal(is.Expiration) || !got.CanExpire {
					t.Errorf("credentials differ from what STS issued")
				}
			}
			if n := e.store.count(); n != c.cached {
				t.Errorf("%d sessions cached, want %d", n, c.cached)
			}

			// The same request again is answered from the cache alone.
			e.store.resetCounts()
			e.newSTS = 0
			again := e.mustRetrieve(c.opts, chain...)
			if again != got && c.cached > 0 {
				t.Errorf("second Retrieve gave other credentials")
			}
			if r := e.reqs(); len(r) != 0 && c.cached > 0 {
				t.Errorf("second Retrieve made %d STS calls", len(r))
			}
			if c.cached > 0 && (e.store.findSession != 1 || e.store.getKey != 0 || e.newSTS != 0 || e.prompts != c.prompts) {
				t.Errorf("cache hit cost FindSession=%d GetKey=%d NewSTS=%d prompts=%d, want 1 0 0 %d",
					e.store.findSession, e.store.getKey, e.newSTS, e.prompts, c.prompts)
			}
		})
	}
}

// One MFA code serves every role that shares the source (issue 3).
func TestOneCodeForTwoRolesSharingASource(t *testing.T) {
	e := newEnv(t)
	e.mustRetrieve(Options{}, roleMFA("dev"), base())
	e.reqs()
	e.store.resetCounts()

	got := e.mustRetrieve(Options{}, roleMFA("prod"), base())
	session := e.fake.Issued()[0].AccessKeyID
	checkRequests(t, e.reqs(), []want{{action: "AssumeRole", signer: session, form: map[string]string{"RoleArn": acct + "role/prod"}}})
	if e.prompts != 1 {
		t.Errorf("asked for %d codes over two roles, want 1", e.prompts)
	}
	if e.store.getKey != 0 {
		t.Errorf("the second role read the long-term key %d times", e.store.getKey)
	}
	if arn := e.issued(got.AccessKeyID).ARN; !strings.Contains(arn, "assumed-role/prod/") {
		t.Errorf("got %s", arn)
	}
}

func TestCacheMinTTL(t *testing.T) {
	e := newEnv(t)
	first := e.mustRetrieve(Options{}, role("dev"), base()) // expires t0+1h
	e.reqs()

	left := first.Expires.Sub(e.clock.Now())
	e.clock.Add(left - testMinTTL - time.Second) // 15m01s left: still used
	if got := e.mustRetrieve(Options{}, role("dev"), base()); got != first {
		t.Errorf("a session with more than MinTTL left was not used")
	}
	if n := len(e.reqs()); n != 0 {
		t.Errorf("%d calls with more than MinTTL left", n)
	}
	e.clock.Add(time.Second) // exactly MinTTL left: renewed
	if got := e.mustRetrieve(Options{}, role("dev"), base()); got == first {
		t.Errorf("a session with only MinTTL left was used")
	}
	if n := len(e.reqs()); n != 1 {
		t.Errorf("%d calls at the MinTTL boundary, want 1", n)
	}

	// The window is a setting.
	e.r.MinTTL = 61 * time.Minute
	before := e.fake.Calls("")
	e.mustRetrieve(Options{}, role("dev"), base())
	if e.fake.Calls("") != before+1 {
		t.Errorf("MinTTL 61m did not renew a 1h session")
	}

	// 0 means until it expires, not the default (issue 9: with
	// CREDO_MIN_TTL=0 credo-core renewed a session the front handed out).
	e.r.MinTTL = 0
	e.clock.Add(time.Hour)
	fresh := e.mustRetrieve(Options{}, role("dev"), base())
	e.clock.Add(fresh.Expires.Sub(e.clock.Now()) - 10*time.Minute)
	before = e.fake.Calls("")
	if got := e.mustRetrieve(Options{}, role("dev"), base()); got != fresh {
		t.Errorf("MinTTL 0: a session with 10 minutes left was not used")
	}
	if e.fake.Calls("") != before {
		t.Errorf("MinTTL 0: %d calls for a session with 10 minutes left", e.fake.Calls("")-before)
	}
}

// A cached session that STS rejects is dropped and renewed once, reusing the
// session below it, so no second MFA code is asked (issue 3).
func TestRejectedCachedSourceIsRenewedOnce(t *testing.T) {
	for _, rejection := range []string{"expired", "revoked"} {
		t.Run(rejection, func(t *testing.T) {
			e := newEnv(t)
			r1, r2 := roleMFA("r1"), role("r2")
			e.mustRetrieve(Options{}, r2, r1, base())
			e.reqs()
			issued := e.fake.Issued() // session, r1, r2
			if len(issued) != 3 || e.prompts != 1 {
				t.Fatalf("set-up: %d issued, %d prompts", len(issued), e.prompts)
			}
			oldR1 := issued[1].AccessKeyID
			if rejection == "expired" {
				e.fake.Expire(oldR1)
			} else {
				e.fake.Revoke(oldR1)
			}
			// Make r2 itself a cache miss.
			refs, _ := e.store.Sessions("r2")
			for _, ref := range refs {
				_ = e.store.RemoveSession(ref)
			}

			got := e.mustRetrieve(Options{}, r2, r1, base())
			session := issued[0].AccessKeyID
			newR1 := e.fake.Issued()[3].AccessKeyID
			checkRequests(t, e.reqs(), []want{
				{action: "AssumeRole", signer: oldR1, form: map[string]string{"RoleArn": acct + "role/r2"}},
				{action: "AssumeRole", signer: session, form: map[string]string{"RoleArn": acct + "role/r1"}},
				{action: "AssumeRole", signer: newR1, form: map[string]string{"RoleArn": acct + "role/r2"}},
			})
			if e.prompts != 1 {
				t.Errorf("asked %d codes, want still 1", e.prompts)
			}
			if !strings.Contains(e.issued(got.AccessKeyID).ARN, "assumed-role/r2/") {
				t.Errorf("wrong identity")
			}
			refs, _ = e.store.Sessions("r1")
			for _, ref := range refs {
				if s, _ := e.store.FindSession("r1", ref.CacheKey, t0); s.AccessKeyID == oldR1 {
					t.Errorf("the rejected session is still cached")
				}
			}
		})
	}
}

func TestRejectedCachedSourceRenewedOnlyOnce(t *testing.T) {
	e := newEnv(t)
	e.mustRetrieve(Options{}, role("r2"), role("r1"), base())
	e.fake.Expire(e.fake.Issued()[0].AccessKeyID)
	refs, _ := e.store.Sessions("r2")
	for _, ref := range refs {
		_ = e.store.RemoveSession(ref)
	}
	e.reqs()
	r2 := acct + "role/r2"
	e.fake.FailNextMatching(5, func(r stsfake.Request) bool { return r.Form.Get("RoleArn") == r2 }, stsfake.ExpiredToken())
	_, err := e.retrieve(Options{}, role("r2"), role("r1"), base())
	if err == nil {
		t.Fatal("no error")
	}
	if n := e.fake.Calls("AssumeRole"); n != 3 {
		t.Errorf("%d AssumeRole calls, want 3 (fail, renew source, retry once)", n)
	}
	if !strings.Contains(err.Error(), "expired") || hint.Of(err) == "" {
		t.Errorf("error %q hint %q", err, hint.Of(err))
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(e *env)
		chain   []*config.Profile
		opts    Options
		calls   int // STS requests made
		errWant []string
		hint    string
	}{
		{
			name:    "wrong MFA code",
			setup:   func(e *env) { e.code = "654321" },
			chain:   []*config.Profile{roleMFA("dev"), base()},
			calls:   1,
			errWant: []string{`profile "dev"`, "MFA code rejected for " + aliceSerial},
			hint:    "next code",
		},
		{
			name:    "malformed code from --mfa-token is refused before any call",
			setup:   func(e *env) { e.r.MFAToken = "12345" },
			chain:   []*config.Profile{roleMFA("dev"), base()},
			errWant: []string{"--mfa-token", "six digits"},
		},
		{
			name:    "malformed code from the prompt is refused before any call",
			setup:   func(e *env) { e.code = "12a456" },
			chain:   []*config.Profile{baseMFA()},
			errWant: []string{`profile "base"`, "six digits"},
		},
		{
			name:    "revoked stored key",
			setup:   func(e *env) { e.fake.Revoke(aliceKey) },
			chain:   []*config.Profile{role("dev"), base()},
			calls:   1,
			errWant: []string{`profile "dev": source_profile "base": STS does not accept the stored access key`, "InvalidClientTokenId"},
			hint:    `run "credo add base" to store a working key, or "credo rotate base"`,
		},
		{
			name:    "no stored key",
			setup:   func(e *env) { delete(e.store.keys, "base") },
			chain:   []*config.Profile{role("dev"), base()},
			errWant: []string{`profile "dev": source_profile "base": no stored credentials`},
			hint:    `run "credo add base"`,
		},
		{
			name:    "role denied names the role and the identity",
			setup:   func(e *env) { e.fake.DenyRole(acct + "role/dev") },
			chain:   []*config.Profile{role("dev"), base()},
			calls:   1,
			errWant: []string{`profile "dev": arn:aws:iam::123456789012:user/alice is not allowed to assume role arn:aws:iam::123456789012:role/dev`},
			hint:    "trust policy",
		},
		{
			name:    "disabled region",
			setup:   func(e *env) { e.fake.FailNext(1, "", stsfake.RegionDisabled()) },
			chain:   []*config.Profile{{Name: "base", Region: "ap-east-1"}},
			calls:   1,
			errWant: []string{`profile "base": STS is not activated in region ap-east-1`},
			hint:    "activate the region",
		},
		{
			name:    "throttling after retries",
			setup:   func(e *env) { e.fake.FailNext(10, "", stsfake.Throttling()) },
			chain:   []*config.Profile{base()},
			calls:   DefaultMaxAttempts,
			errWant: []string{`profile "base": STS is throttling requests (Throttling)`},
			hint:    "wait",
		},
		{
			name:    "duration below 15m",
			chain:   []*config.Profile{role("dev"), base()},
			opts:    Options{Duration: 10 * time.Minute},
			errWant: []string{`profile "dev": duration 10m is below the 15m minimum`},
		},
		{
			name:    "role above 12h",
			chain:   []*config.Profile{role("dev"), base()},
			opts:    Options{Duration: 13 * time.Hour},
			errWant: []string{`profile "dev": duration 13h is above the 12h maximum STS allows for a role`},
		},
		{
			name:    "session token above 36h",
			chain:   []*config.Profile{base()},
			opts:    Options{Duration: 37 * time.Hour},
			errWant: []string{`profile "base": duration 37h is above the 36h maximum STS allows for a session token`},
		},
		{
			name:    "SSO profile without sso_region",
			chain:   []*config.Profile{{Name: "sso", SSOAccountID: "1", SSORoleName: "r", SSOStartURL: "https://x"}},
			errWant: []string{`profile "sso": IAM Identity Center (SSO) profile lacks sso_region`},
		},
		{
			name:    "a middle profile that is not a role",
			chain:   []*config.Profile{role("dev"), {Name: "mid"}, base()},
			errWant: []string{`source_profile "mid"`, "no role_arn"},
		},
		{
			name:    "credential_process failing reports its status, not its output",
			chain:   []*config.Profile{{Name: "p", CredentialProcess: `echo '{"SecretAccessKey":"leak"}'; exit 3`}},
			errWant: []string{`profile "p": credential_process failed: exit status 3`},
		},
		{
			// Before: any command exiting 87 was taken for a credo that had
			// reported a loop, and credo exited 1 without a word.
			name:    "credential_process exiting 87 is a failure like any other",
			chain:   []*config.Profile{{Name: "p", CredentialProcess: `exit 87`}},
			errWant: []string{`profile "p": credential_process failed: exit status 87`},
		},
		{
			// Nothing tested the bound before; with it broken this case
			// waits 30s and reports no timeout.
			name:    "credential_process running past ProcessTimeout is stopped",
			setup:   func(e *env) { e.r.ProcessTimeout = 300 * time.Millisecond },
			chain:   []*config.Profile{{Name: "p", CredentialProcess: `exec sleep 30`}},
			errWant: []string{`profile "p": credential_process did not finish within 300ms; credo stopped it`},
			hint:    "raise credential_process_timeout (CREDO_CREDENTIAL_PROCESS_TIMEOUT)",
		},
		{
			name:    "a loop report for another chain is a failure like any other",
			chain:   []*config.Profile{{Name: "p", CredentialProcess: `echo '{"CredoCredentialProcessLoop":["other"]}'; exit 1`}},
			errWant: []string{`profile "p": credential_process failed: exit status 1`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if c.setup != nil {
				c.setup(e)
			}
			_, err := e.retrieve(c.opts, c.chain...)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range c.errWant {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, aliceSecret) || strings.Contains(msg, e.code) || strings.Contains(msg, "leak") {
				t.Errorf("error is not one clean line: %q", msg)
			}
			if h := hint.Of(err); !strings.Contains(h, c.hint) || (c.hint == "" && h != "") {
				t.Errorf("hint %q, want %q", h, c.hint)
			}
			if n := e.fake.Calls(""); n != c.calls {
				t.Errorf("%d STS calls, want %d", n, c.calls)
			}
			if n := e.store.count(); n != 0 {
				t.Errorf("%d sessions cached after a failure", n)
			}
		})
	}
}

func TestRoleChainingCapIsANotice(t *testing.T) {
	e := newEnv(t)
	got := e.mustRetrieve(Options{Duration: 2 * time.Hour}, role("r2"), role("r1"), base())
	checkRequests(t, e.reqs(), []want{
		{action: "AssumeRole", signer: aliceKey, form: map[string]string{"RoleArn": acct + "role/r1", "DurationSeconds": "3600"}},
		{action: "AssumeRole", signer: e.fake.Issued()[0].AccessKeyID, form: map[string]string{"RoleArn": acct + "role/r2", "DurationSeconds": "3600"}},
	})
	if !got.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("expires %s", got.Expires)
	}
	wantNotice := `profile "r2": role chaining limits the session to 1h; using 1h instead of 2h` + "\n"
	if e.notice.String() != wantNotice {
		t.Errorf("notice %q, want %q", e.notice.String(), wantNotice)
	}
	// A cache hit prints nothing.
	e.notice.Reset()
	e.mustRetrieve(Options{Duration: 2 * time.Hour}, role("r2"), role("r1"), base())
	if e.notice.Len() != 0 {
		t.Errorf("notice on a cache hit: %q", e.notice.String())
	}

	// A role with mfa_serial above a role: the code goes on the chained call.
	e2 := newEnv(t)
	e2.mustRetrieve(Options{Duration: 3 * time.Hour}, roleMFA("r2"), role("r1"), base())
	checkRequests(t, e2.reqs(), []want{
		{action: "AssumeRole", signer: aliceKey, form: map[string]string{"RoleArn": acct + "role/r1", "DurationSeconds": "3600"}},
		{action: "AssumeRole", signer: e2.fake.Issued()[0].AccessKeyID, form: map[string]string{
			"RoleArn": acct + "role/r2", "DurationSeconds": "3600", "SerialNumber": aliceSerial, "TokenCode": goodCode}},
	})
}

func TestMFATokenAndProcessSources(t *testing.T) {
	t.Run("--mfa-token wins and no prompt is asked", func(t *testing.T) {
		e := newEnv(t)
		e.r.MFAToken = "111111"
		e.fake.SetMFACode("111111")
		e.mustRetrieve(Options{}, baseMFA())
		if e.prompts != 0 {
			t.Errorf("prompted")
		}
		if r := e.reqs(); r[0].Form.Get("TokenCode") != "111111" {
			t.Errorf("code %q", r[0].Form.Get("TokenCode"))
		}
	})
	t.Run("mfa_process before the prompt", func(t *testing.T) {
		e := newEnv(t)
		e.fake.SetMFACode("222222")
		p := roleMFA("dev")
		p.MFAProcess = "echo 222222"
		e.mustRetrieve(Options{}, p, base())
		if e.prompts != 0 {
			t.Errorf("prompted")
		}
		if r := e.reqs(); r[0].Form.Get("TokenCode") != "222222" {
			t.Errorf("code %q", r[0].Form.Get("TokenCode"))
		}
	})
	t.Run("a cache hit asks no code even with --mfa-token malformed", func(t *testing.T) {
		e := newEnv(t)
		e.mustRetrieve(Options{}, baseMFA())
		e.r.MFAToken = "bad"
		e.mustRetrieve(Options{}, baseMFA())
		if e.prompts != 1 {
			t.Errorf("%d prompts", e.prompts)
		}
	})
}

func TestUserSourcesHandedOutAsTheyAre(t *testing.T) {
	e := newEnv(t)
	e.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV"
	e.vars["AWS_SECRET_ACCESS_KEY"] = "sec"
	e.vars["AWS_SESSION_TOKEN"] = "tok"
	got := e.mustRetrieve(Options{}, &config.Profile{Name: "e", CredentialSource: "Environment"})
	if got.AccessKeyID != "AKIAENV" || got.SecretAccessKey != "sec" || got.SessionToken != "tok" {
		t.Errorf("got %s", got.AccessKeyID)
	}
	exp := t0.Add(3 * time.Hour).Format(time.RFC3339)
	got = e.mustRetrieve(Options{}, &config.Profile{Name: "p", CredentialProcess: `echo '{"Version":1,"AccessKeyId":"AKIAP","SecretAccessKey":"s","SessionToken":"t","Expiration":"` + exp + `"}'`})
	if got.AccessKeyID != "AKIAP" || got.SessionToken != "t" || !got.Expires.Equal(t0.Add(3*time.Hour)) || !got.CanExpire {
		t.Errorf("got %+v", got.Expires)
	}
	if e.fake.Calls("") != 0 || e.store.count() != 0 {
		t.Errorf("sources made calls or were cached")
	}
}

// lockRecorder is a Locker that serialises like pkg/lock does and records keys.
type lockRecorder struct {
	mu   chan struct{}
	keys []string
}

func (l *lockRecorder) Lock(ctx context.Context, key string) (func(), error) {
	select {
	case l.mu <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.keys = append(l.keys, key)
	return func() { <-l.mu }, nil
}

func TestSingleFlight(t *testing.T) {
	e := newEnv(t)
	// One lock for all keys is enough to serialise; a step only ever locks
	// its own key, and nested steps lock below, so use a per-key lock set.
	locks := map[string]*lockRecorder{}
	var all []string
	e.r.Locker = lockerFunc(func(ctx context.Context, key string) (func(), error) {
		e.mu.Lock()
		l, ok := locks[key]
		if !ok {
			l = &lockRecorder{mu: make(chan struct{}, 1)}
			locks[key] = l
		}
		all = append(all, key)
		e.mu.Unlock()
		return l.Lock(ctx, key)
	})
	done := make(chan aws.Credentials, 4)
	for range 4 {
		go func() {
			c, err := e.retrieve(Options{}, roleMFA("dev"), base())
			if err != nil {
				t.Error(err)
			}
			done <- c
		}()
	}
	first := <-done
	for range 3 {
		if c := <-done; c != first {
			t.Errorf("concurrent Retrieves got different credentials")
		}
	}
	if e.prompts != 1 || e.fake.Calls("GetSessionToken") != 1 || e.fake.Calls("AssumeRole") != 1 {
		t.Errorf("prompts=%d GetSessionToken=%d AssumeRole=%d, want 1 1 1",
			e.prompts, e.fake.Calls("GetSessionToken"), e.fake.Calls("AssumeRole"))
	}
	// Keys locked are the cache keys.
	top, err := plan.Plan([]*config.Profile{roleMFA("dev"), base()}, Options{}, e.r.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range all {
		seen[k] = true
	}
	if !seen[top.CacheKey] || !seen[top.Source.CacheKey] || len(seen) != 2 {
		t.Errorf("locked keys %v, want the two cache keys", seen)
	}
}

type lockerFunc func(ctx context.Context, key string) (func(), error)

func (f lockerFunc) Lock(ctx context.Context, key string) (func(), error) { return f(ctx, key) }

// Chains as config.Chain builds them.
func TestChainShapes(t *testing.T) {
	t.Run("role whose source_profile is itself uses its own keys", func(t *testing.T) {
		e := newEnv(t)
		p := &config.Profile{Name: "base", RoleARN: acct + "role/self", SourceProfile: "base"}
		e.mustRetrieve(Options{}, p)
		checkRequests(t, e.reqs(), []want{{action: "AssumeRole", signer: aliceKey, form: map[string]string{"RoleArn": acct + "role/self"}}})
	})
	t.Run("a source with static keys ignores its own role_arn", func(t *testing.T) {
		e := newEnv(t)
		e.fake.AddUser("AKIASTATICEXAMPLE001", "s", "static")
		src := &config.Profile{Name: "src", AccessKeyID: "AKIASTATICEXAMPLE001", SecretAccessKey: "s", RoleARN: acct + "role/ignored", SourceProfile: "other"}
		e.mustRetrieve(Options{}, role("dev"), src)
		checkRequests(t, e.reqs(), []want{{action: "AssumeRole", signer: "AKIASTATICEXAMPLE001", form: map[string]string{"RoleArn": acct + "role/dev"}}})
	})
	t.Run("role_arn without a source is an error", func(t *testing.T) {
		e := newEnv(t)
		_, err := e.retrieve(Options{}, &config.Profile{Name: "dev", RoleARN: acct + "role/dev"})
		if err == nil || !strings.Contains(err.Error(), `profile "dev": role_arn has no source`) {
			t.Errorf("error %v", err)
		}
	})
}
