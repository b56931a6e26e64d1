package creds

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

func envFunc(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestSTSEndpointPrecedence(t *testing.T) {
	prof := &config.Profile{
		EndpointURL: "http://profile",
		Services:    map[string]map[string]string{"sts": {"endpoint_url": "http://services-sts"}, "iam": {"endpoint_url": "http://services-iam"}},
	}
	cases := []struct {
		name string
		env  map[string]string
		p    *config.Profile
		want string
	}{
		{"AWS_ENDPOINT_URL_STS first", map[string]string{"AWS_ENDPOINT_URL_STS": "http://env-sts", "AWS_ENDPOINT_URL": "http://env"}, prof, "http://env-sts"},
		{"then AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": "http://env"}, prof, "http://env"},
		{"then the services section", nil, prof, "http://services-sts"},
		{"then the profile's endpoint_url", nil, &config.Profile{EndpointURL: "http://profile", Services: map[string]map[string]string{"iam": {"endpoint_url": "x"}}}, "http://profile"},
		{"else none", nil, &config.Profile{}, ""},
		{"nil profile", nil, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := STSEndpoint(c.p, envFunc(c.env)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestSTSRegionIsSigned(t *testing.T) {
	fake := stsfake.NewTest(t)
	fake.AddUser("AKIAREGIONEXAMPLE001", "s", "r")
	cases := []struct {
		name string
		p    *config.Profile
		env  map[string]string
		want string
	}{
		{"profile region first", &config.Profile{Region: "eu-west-1"}, map[string]string{"AWS_REGION": "us-west-2"}, "eu-west-1"},
		{"then AWS_REGION", &config.Profile{}, map[string]string{"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ca-central-1"}, "us-west-2"},
		{"then AWS_DEFAULT_REGION", &config.Profile{}, map[string]string{"AWS_DEFAULT_REGION": "ca-central-1"}, "ca-central-1"},
		{"else us-east-1", &config.Profile{}, map[string]string{}, "us-east-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake.ResetCalls()
			c.env["AWS_ENDPOINT_URL_STS"] = fake.URL()
			cl := NewSTS(STSOptions{Profile: c.p, Getenv: envFunc(c.env),
				Credentials: staticProvider(aws.Credentials{AccessKeyID: "AKIAREGIONEXAMPLE001", SecretAccessKey: "s"})})
			if _, err := cl.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{}); err != nil {
				t.Fatal(err)
			}
			if r := fake.Requests(); len(r) != 1 || r[0].Region != c.want {
				t.Errorf("signed for region %q, want %q", r[0].Region, c.want)
			}
		})
	}
}

func TestSTSRetriesThrottlingAnd5xx(t *testing.T) {
	fake := stsfake.NewTest(t)
	fake.AddUser("AKIARETRYEXAMPLE0001", "s", "r")
	cl := NewSTS(STSOptions{Getenv: envFunc(map[string]string{"AWS_ENDPOINT_URL_STS": fake.URL()}), MaxBackoff: time.Millisecond,
		Credentials: staticProvider(aws.Credentials{AccessKeyID: "AKIARETRYEXAMPLE0001", SecretAccessKey: "s"})})
	fake.FailNext(1, "", stsfake.Throttling())
	fake.FailNext(1, "", stsfake.InternalFailure())
	out, err := cl.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Credentials.AccessKeyId) == "" || fake.Calls("GetSessionToken") != 3 {
		t.Errorf("%d calls, want 3", fake.Calls("GetSessionToken"))
	}
}

// A dead endpoint fails within the bound with one line naming the URL. The
// test gives the call more time than the bound through its context, so a
// hang shows up as the context's error rather than ours.
func TestDeadEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	e := newEnv(t)
	e.vars["AWS_ENDPOINT_URL_STS"] = dead
	ctx, cancel := context.WithTimeout(context.Background(), DefaultCallTimeout+5*time.Second)
	defer cancel()
	_, err = e.r.Retrieve(ctx, []*config.Profile{role("dev"), base()}, Options{})
	if ctx.Err() != nil {
		t.Fatalf("the call outlived its bound: %v", err)
	}
	if err == nil {
		t.Fatal("no error")
	}
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Errorf("not an UnreachableError: %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, `profile "dev": cannot reach STS at `+dead+": ") || strings.Contains(msg, "\n") {
		t.Errorf("error %q", msg)
	}
	if !strings.Contains(hint.Of(err), "AWS_ENDPOINT_URL_STS") {
		t.Errorf("hint %q", hint.Of(err))
	}
	if e.store.count() != 0 {
		t.Errorf("cached after a failure")
	}
}

// A silent endpoint (accepts, never answers) is cut by the call timeout.
func TestSilentEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	url := "http://" + ln.Addr().String()
	cl := NewSTS(STSOptions{Getenv: envFunc(map[string]string{"AWS_ENDPOINT_URL_STS": url}), CallTimeout: 300 * time.Millisecond,
		Credentials: staticProvider(aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"})})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = cl.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if ctx.Err() != nil {
		t.Fatal("the call outlived its bound")
	}
	if err == nil || err.Error() != "cannot reach STS at "+url+": no answer within 300ms" {
		t.Errorf("error %v", err)
	}
}

func TestDefaultSessionName(t *testing.T) {
	now := time.Unix(1700000000, 0)
	long := strings.Repeat("u", 80)
	cases := []struct{ user, want string }{
		{"alice", "credo-alice-1700000000"},
		{"", "credo-1700000000"},
		{"DOMAIN\\Jane Doe", "credo-DOMAIN-Jane-Doe-1700000000"},
		{"josé", "credo-jos-1700000000"},
		{long, "credo-" + long[:64-len("credo--1700000000")] + "-1700000000"},
	}
	for _, c := range cases {
		got := DefaultSessionName(c.user, now)
		if got != c.want {
			t.Errorf("DefaultSessionName(%q) = %q, want %q", c.user, got, c.want)
		}
		if !validSessionName(got) {
			t.Errorf("%q is not valid for STS", got)
		}
	}
}

func validSessionName(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	return !invalidSessionChars.MatchString(s)
}

// Cache keys change with everything that changes the result, and only with
// that; they need nothing but the configuration.
func TestCacheKeys(t *testing.T) {
	key := func(opts Options, env map[string]string, chain ...*config.Profile) (top, below string) {
		t.Helper()
		n, err := plan.Plan(chain, opts, envFunc(env))
		if err != nil {
			t.Fatal(err)
		}
		if n.Source != nil {
			below = n.Source.CacheKey
		}
		return n.CacheKey, below
	}
	ref, _ := key(Options{}, nil, role("dev"), base())
	mod := func(f func(p *config.Profile)) *config.Profile {
		p := role("dev")
		f(p)
		return p
	}
	differ := map[string]string{}
	differ["external id"], _ = key(Options{}, nil, mod(func(p *config.Profile) { p.ExternalID = "x" }), base())
	differ["role arn"], _ = key(Options{}, nil, mod(func(p *config.Profile) { p.RoleARN += "2" }), base())
	differ["duration"], _ = key(Options{Duration: 2 * time.Hour}, nil, role("dev"), base())
	differ["session name"], _ = key(Options{}, nil, mod(func(p *config.Profile) { p.RoleSessionName = "n" }), base())
	differ["source identity"], _ = key(Options{}, nil, mod(func(p *config.Profile) { p.SourceIdentity = "n" }), base())
	differ["tags"], _ = key(Options{}, nil, mod(func(p *config.Profile) { p.SessionTags = map[string]string{"a": "b"} }), base())
	differ["transitive tags"], _ = key(Options{}, nil, mod(func(p *config.Profile) { p.TransitiveSessionTags = []string{"a"} }), base())
	differ["mfa serial"], _ = key(Options{}, nil, mod(func(p *config.Profile) { p.MFASerial = "arn:x" }), base())
	differ["no session"], _ = key(Options{NoSession: true}, nil, role("dev"), base())
	differ["source profile"], _ = key(Options{}, nil, role("dev"), &config.Profile{Name: "other"})
	differ["source kind"], _ = key(Options{}, nil, role("dev"), &config.Profile{Name: "base", AccessKeyID: "AKIA", SecretAccessKey: "s"})
	differ["endpoint"], _ = key(Options{}, map[string]string{"AWS_ENDPOINT_URL_STS": "http://x"}, role("dev"), base())
	differ["deeper chain"], _ = key(Options{}, nil, role("dev"), role("mid"), base())
	seen := map[string]string{ref: "reference"}
	for what, k := range differ {
		if other, dup := seen[k]; dup {
			t.Errorf("%s gives the same key as %s", what, other)
		}
		seen[k] = what
	}
	// Unrelated settings leave it alone.
	same, _ := key(Options{}, nil, mod(func(p *config.Profile) { p.Region = "eu-west-1" }), base())
	if same != ref {
		t.Errorf("region changed the cache key")
	}
	// Two roles sharing a source share its MFA session's key.
	_, a := key(Options{}, nil, roleMFA("dev"), base())
	_, b := key(Options{}, nil, roleMFA("prod"), base())
	if a == "" || a != b {
		t.Errorf("MFA session keys differ: %q %q", a, b)
	}
	// ... which is the user profile's own MFA session.
	u, _ := key(Options{}, nil, baseMFA())
	if u != a {
		t.Errorf("the user's MFA session key differs from the one roles use")
	}
}

// TestHostileSTSAnswers: an answer far too large, credentials that expired
// before they arrived, and an answer that trickles in each fail with one
// line saying what happened and a hint, and nothing is cached (issue 11,
// items 9 and 13).
func TestHostileSTSAnswers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*stsfake.Server)
		want  string
		hint  string
	}{
		{"a 2 MiB session token", func(f *stsfake.Server) { f.SetSessionTokenPadding(2 << 20) },
			"the answer is larger than 1024 KiB", "AWS_ENDPOINT_URL_STS"},
		{"already expired", func(f *stsfake.Server) { f.SetExpiry(-time.Minute) },
			"GetSessionToken answered with credentials that had already expired (at 2030-01-02T03:03:05Z; this computer's clock says 2030-01-02T03:04:05Z)", "clock"},
		{"a trickle", func(f *stsfake.Server) { f.SetTrickle(100 * time.Millisecond) },
			"answered too slowly: the whole answer did not arrive within 500ms", "HTTPS_PROXY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.setup(e.fake)
			mk := NewSTSFunc(STSOptions{Getenv: e.r.Getenv, MaxBackoff: time.Millisecond, CallTimeout: 500 * time.Millisecond})
			e.r.NewSTS = func(p *config.Profile, c aws.CredentialsProvider) STSAPI { return mk(p, c) }
			_, err := e.retrieve(Options{}, base())
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line with %q", err, tc.want)
			}
			t.Logf("credo: %v\ncredo: hint: %s", err, hint.Of(err))
			if strings.Contains(err.Error(), "no answer within") {
				t.Errorf("error %q: STS did answer", err)
			}
			if h := hint.Of(err); !strings.Contains(h, tc.hint) {
				t.Errorf("hint %q, want it to mention %s", h, tc.hint)
			}
			if e.store.count() != 0 {
				t.Error("cached the refused credentials")
			}
		})
	}
}
