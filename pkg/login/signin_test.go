package login

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// signinCall is one getSigninToken request the fake federation endpoint got.
type signinCall struct {
	Query   url.Values
	Session map[string]string
}

// fakeFederation is an httptest federation endpoint that checks the shape
// of every getSigninToken request and records it.
type fakeFederation struct {
	t      *testing.T
	srv    *httptest.Server
	status int

	mu    sync.Mutex
	calls []signinCall
}

func newFakeFederation(t *testing.T) *fakeFederation {
	f := &fakeFederation{t: t, status: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/federation" {
			t.Errorf("federation request %s %s", r.Method, r.URL.Path)
		}
		q := r.URL.Query()
		var sess map[string]string
		if err := json.Unmarshal([]byte(q.Get("Session")), &sess); err != nil {
			t.Errorf("Session is not a JSON object of strings: %v", err)
		}
		f.mu.Lock()
		f.calls = append(f.calls, signinCall{Query: q, Session: sess})
		n := len(f.calls)
		f.mu.Unlock()
		if f.status != http.StatusOK {
			http.Error(w, "Bad Request", f.status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"SigninToken":"signin-token-%d"}`, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFederation) endpoint() string { return f.srv.URL + "/federation" }

func (f *fakeFederation) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeFederation) only(t *testing.T) signinCall {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) != 1 {
		t.Fatalf("%d getSigninToken calls, want 1", len(f.calls))
	}
	return f.calls[0]
}

// checkSigninCall asserts the exact getSigninToken request: its parameters,
// the three Session fields, and SessionDuration only when want is not "".
func checkSigninCall(t *testing.T, got signinCall, c aws.Credentials, wantDuration string) {
	t.Helper()
	keys := []string{"Action", "Session"}
	if wantDuration != "" {
		keys = append(keys, "SessionDuration")
	}
	if len(got.Query) != len(keys) {
		t.Errorf("getSigninToken parameters %v, want exactly %v", mapKeys(got.Query), keys)
	}
	if got.Query.Get("Action") != "getSigninToken" {
		t.Errorf("Action %q", got.Query.Get("Action"))
	}
	_, hasDuration := got.Query["SessionDuration"]
	if wantDuration == "" && hasDuration {
		t.Errorf("SessionDuration %q sent, want none", got.Query.Get("SessionDuration"))
	}
	if wantDuration != "" && got.Query.Get("SessionDuration") != wantDuration {
		t.Errorf("SessionDuration %q, want %q", got.Query.Get("SessionDuration"), wantDuration)
	}
	want := map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken}
	if len(got.Session) != 3 || got.Session["sessionId"] != want["sessionId"] || got.Session["sessionKey"] != want["sessionKey"] || got.Session["sessionToken"] != want["sessionToken"] {
		t.Errorf("Session %v, want %v", got.Session, want)
	}
}

func mapKeys(v url.Values) []string {
	var ks []string
	for k := range v {
		ks = append(ks, k)
	}
	return ks
}

// checkURL asserts the sign-in URL made from the n-th token.
func checkURL(t *testing.T, got, endpoint, dest string, n int) {
	t.Helper()
	want := SignInURL(endpoint, dest, fmt.Sprintf("signin-token-%d", n))
	if got != want {
		t.Errorf("URL\n got %s\nwant %s", got, want)
	}
}

func noSTS(t *testing.T) func(aws.Credentials) STSAPI {
	return func(aws.Credentials) STSAPI {
		t.Error("STS called for role credentials")
		return nil
	}
}

var roleCreds = aws.Credentials{AccessKeyID: "ASIAROLE", SecretAccessKey: "role-secret", SessionToken: "role-token"}

func TestRoleCredentialsAreExchangedWithSessionDuration(t *testing.T) {
	for _, tc := range []struct {
		name     string
		duration time.Duration
		chained  bool
		want     string
		notice   string
	}{
		{name: "default one hour", want: "3600"},
		{name: "twelve hours", duration: 12 * time.Hour, want: "43200"},
		{name: "chained within the limit", duration: 30 * time.Minute, chained: true, want: "1800"},
		{name: "chained over the limit is capped", duration: 4 * time.Hour, chained: true, want: "3600",
			notice: `profile "ops": role chaining limits the console session to 1h; using 1h instead of 4h`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fed := newFakeFederation(t)
			var notice bytes.Buffer
			s := &Signer{NewSTS: noSTS(t), Notice: &notice}
			got, err := s.URL(context.Background(), Input{
				Subject: `profile "ops"`, Credentials: roleCreds, Kind: KindRole, Chained: tc.chained,
				Duration: tc.duration, Region: "eu-west-1", Path: "s3/home", Endpoint: fed.endpoint(),
			})
			if err != nil {
				t.Fatal(err)
			}
			checkSigninCall(t, fed.only(t), roleCreds, tc.want)
			checkURL(t, got, fed.endpoint(), "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1", 1)
			if strings.TrimSpace(notice.String()) != tc.notice {
				t.Errorf("notice %q, want %q", notice.String(), tc.notice)
			}
		})
	}
}

func TestDurationLimits(t *testing.T) {
	fed := newFakeFederation(t)
	s := &Signer{NewSTS: noSTS(t)}
	for _, tc := range []struct {
		kind    Kind
		d       time.Duration
		wantErr string
	}{
		{KindRole, 13 * time.Hour, "console session 13h is over the 12h maximum for roles"},
		{KindRole, 10 * time.Minute, "below the 15m minimum"},
		{KindUser, 37 * time.Hour, "console session 37h is over the 36h GetFederationToken allows"},
	} {
		c := roleCreds
		if tc.kind == KindUser {
			c = aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "x"}
			s.NewSTS = func(aws.Credentials) STSAPI { return fixedCaller("arn:aws:iam::123456789012:user/alice") }
		}
		_, err := s.URL(context.Background(), Input{Subject: `profile "p"`, Credentials: c, Kind: tc.kind, Duration: tc.d, Endpoint: fed.endpoint()})
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%v %s: err = %v, want %q", tc.kind, tc.d, err, tc.wantErr)
		}
	}
	if fed.count() != 0 {
		t.Errorf("federation endpoint called %d times", fed.count())
	}
}

// fixedCaller is an STS that only answers GetCallerIdentity.
type fixedCaller string

func (f fixedCaller) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Arn: aws.String(string(f))}, nil
}

func (f fixedCaller) GetFederationToken(context.Context, *sts.GetFederationTokenInput, ...func(*sts.Options)) (*sts.GetFederationTokenOutput, error) {
	return nil, errors.New("unexpected GetFederationToken")
}

// withFakeSTS returns a Signer whose STS is the fake, and the fake with the
// IAM user alice (key AKIAALICE) registered.
func withFakeSTS(t *testing.T) (*Signer, *stsfake.Server, aws.Credentials) {
	fake := stsfake.NewTest(t)
	fake.AddUser("AKIAALICE", "alice-secret", "alice")
	s := &Signer{NewSTS: func(c aws.Credentials) STSAPI { return NewSTS(c, "eu-west-1", fake.URL(), nil) }}
	return s, fake, aws.Credentials{AccessKeyID: "AKIAALICE", SecretAccessKey: "alice-secret"}
}

func TestUserKeysGetAFederationToken(t *testing.T) {
	for _, tc := range []struct {
		name     string
		duration time.Duration
		want     string
	}{
		{"default one hour", 0, "3600"},
		{"thirty six hours", 36 * time.Hour, "129600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, fake, user := withFakeSTS(t)
			fed := newFakeFederation(t)
			var logs bytes.Buffer
			s.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			got, err := s.URL(context.Background(), Input{
				Subject: `profile "dev"`, Credentials: user, Kind: KindUser, FallbackName: "dev",
				Duration: tc.duration, Endpoint: fed.endpoint(),
			})
			if err != nil {
				t.Fatal(err)
			}
			reqs := fake.Requests()
			if len(reqs) != 2 || reqs[0].Action != "GetCallerIdentity" || reqs[1].Action != stsfake.ActionGetFederationToken {
				t.Fatalf("STS requests %+v", reqs)
			}
			ft := reqs[1]
			if ft.AccessKeyID != "AKIAALICE" {
				t.Errorf("GetFederationToken signed with %q, want the long-term key", ft.AccessKeyID)
			}
			if ft.Form.Get("Name") != "alice" || ft.Form.Get("Policy") != AllowAllPolicy || ft.Form.Get("DurationSeconds") != tc.want {
				t.Errorf("GetFederationToken Name=%q Policy=%q DurationSeconds=%q", ft.Form.Get("Name"), ft.Form.Get("Policy"), ft.Form.Get("DurationSeconds"))
			}
			var pol struct {
				Version   string
				Statement []struct{ Effect, Action, Resource string }
			}
			if err := json.Unmarshal([]byte(ft.Form.Get("Policy")), &pol); err != nil || pol.Version != "2012-10-17" || len(pol.Statement) != 1 ||
				pol.Statement[0] != (struct{ Effect, Action, Resource string }{"Allow", "*", "*"}) {
				t.Errorf("policy %+v %v", pol, err)
			}
			issued := fake.Issued()
			if len(issued) != 1 || issued[0].ARN != "arn:aws:sts::"+stsfake.Account+":federated-user/alice" {
				t.Fatalf("issued %+v", issued)
			}
			fc := aws.Credentials{AccessKeyID: issued[0].AccessKeyID, SecretAccessKey: issued[0].SecretAccessKey, SessionToken: issued[0].SessionToken}
			// The federated user's credentials are exchanged, never the
			// long-term keys, and without SessionDuration.
			checkSigninCall(t, fed.only(t), fc, "")
			checkURL(t, got, fed.endpoint(), "https://console.aws.amazon.com/", 1)
			for _, secret := range []string{"alice-secret", fc.SecretAccessKey, fc.SessionToken, "signin-token", "Session="} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("debug log holds %q:\n%s", secret, logs.String())
				}
			}
			if !strings.Contains(logs.String(), "GetFederationToken") {
				t.Errorf("debug log does not show the call:\n%s", logs.String())
			}
		})
	}
}

func TestCredentialsOfUnknownKindAreAskedOfSTS(t *testing.T) {
	ctx := context.Background()
	s, fake, user := withFakeSTS(t)
	client := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(fake.URL()), Credentials: staticCreds(user)})
	ar, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/Admin"), RoleSessionName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	role := aws.Credentials{AccessKeyID: *ar.Credentials.AccessKeyId, SecretAccessKey: *ar.Credentials.SecretAccessKey, SessionToken: *ar.Credentials.SessionToken}
	st, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	session := aws.Credentials{AccessKeyID: *st.Credentials.AccessKeyId, SecretAccessKey: *st.Credentials.SecretAccessKey, SessionToken: *st.Credentials.SessionToken}
	ft, err := client.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("alice"), Policy: aws.String(AllowAllPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	federated := aws.Credentials{AccessKeyID: *ft.Credentials.AccessKeyId, SecretAccessKey: *ft.Credentials.SecretAccessKey, SessionToken: *ft.Credentials.SessionToken}

	t.Run("assumed role: SessionDuration", func(t *testing.T) {
		fed := newFakeFederation(t)
		if _, err := s.URL(ctx, Input{Subject: `profile "x"`, Credentials: role, Duration: 2 * time.Hour, Endpoint: fed.endpoint()}); err != nil {
			t.Fatal(err)
		}
		checkSigninCall(t, fed.only(t), role, "7200")
	})
	t.Run("federated user: no SessionDuration", func(t *testing.T) {
		fed := newFakeFederation(t)
		if _, err := s.URL(ctx, Input{Subject: `profile "x"`, Credentials: federated, Endpoint: fed.endpoint()}); err != nil {
			t.Fatal(err)
		}
		checkSigninCall(t, fed.only(t), federated, "")
	})
	t.Run("session token: refused with a hint", func(t *testing.T) {
		fed := newFakeFederation(t)
		before := fake.Calls(stsfake.ActionGetFederationToken)
		_, err := s.URL(ctx, Input{Subject: `profile "x"`, Credentials: session, Endpoint: fed.endpoint()})
		if !errors.Is(err, ErrSessionToken) || !strings.HasPrefix(err.Error(), `profile "x": `) || hint.Of(err) == "" {
			t.Fatalf("err = %v (hint %q), want ErrSessionToken with a hint", err, hint.Of(err))
		}
		if fed.count() != 0 || fake.Calls(stsfake.ActionGetFederationToken) != before {
			t.Errorf("session-token credentials were used")
		}
	})
	t.Run("user kind with a session token: refused", func(t *testing.T) {
		fed := newFakeFederation(t)
		_, err := s.URL(ctx, Input{Subject: `profile "x"`, Credentials: session, Kind: KindUser, Endpoint: fed.endpoint()})
		if !errors.Is(err, ErrSessionToken) || hint.Of(err) == "" {
			t.Fatalf("err = %v, want ErrSessionToken with a hint", err)
		}
	})
	t.Run("session kind: refused without any call", func(t *testing.T) {
		fed := newFakeFederation(t)
		s := &Signer{NewSTS: noSTS(t)}
		_, err := s.URL(ctx, Input{Subject: `profile "x"`, Credentials: session, Kind: KindSession, Endpoint: fed.endpoint()})
		if !errors.Is(err, ErrSessionToken) || fed.count() != 0 {
			t.Fatalf("err = %v, calls %d", err, fed.count())
		}
	})
}

func TestFederationErrorsHoldNoSecret(t *testing.T) {
	ctx := context.Background()
	secrets := []string{roleCreds.SecretAccessKey, roleCreds.SessionToken, "sessionKey", "Session="}
	check := func(t *testing.T, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want %q", err, want)
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) || strings.Contains(hint.Of(err), s) {
				t.Errorf("error holds %q: %v", s, err)
			}
		}
	}

	t.Run("refused", func(t *testing.T) {
		fed := newFakeFederation(t)
		fed.status = http.StatusBadRequest
		_, err := (&Signer{}).URL(ctx, Input{Subject: `profile "r"`, Credentials: roleCreds, Kind: KindRole, Chained: true, Endpoint: fed.endpoint()})
		check(t, err, `profile "r": federation endpoint `+fed.endpoint()+" refused the credentials: HTTP 400")
		// Issue 7: hints only where they apply. The chained role's session
		// was capped at 1h already: "try -d 1h" cannot help.
		if h := hint.Of(err); h != "" {
			t.Errorf("hint %q", h)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		fed := newFakeFederation(t)
		endpoint := fed.endpoint()
		fed.srv.Close()
		_, err := (&Signer{}).URL(ctx, Input{Subject: `profile "r"`, Credentials: roleCreds, Kind: KindRole, Chained: true, Endpoint: endpoint})
		check(t, err, "cannot reach the federation endpoint "+endpoint)
		// Issue 7: a network failure said "try -d 1h".
		if h := hint.Of(err); h != "" {
			t.Errorf("hint %q", h)
		}
	})
	t.Run("no token in the answer", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"Other":1}`) }))
		defer srv.Close()
		_, err := (&Signer{}).URL(ctx, Input{Subject: `profile "r"`, Credentials: roleCreds, Kind: KindRole, Endpoint: srv.URL})
		check(t, err, "the answer has no SigninToken")
	})
	t.Run("bad path stops before any call", func(t *testing.T) {
		fed := newFakeFederation(t)
		_, err := (&Signer{}).URL(ctx, Input{Subject: `profile "r"`, Credentials: roleCreds, Kind: KindRole, Path: "https://example.com/", Endpoint: fed.endpoint()})
		check(t, err, "not an AWS console host")
		if fed.count() != 0 {
			t.Errorf("federation endpoint called")
		}
	})
}

func TestPartitionEndpointIsUsedWithoutOverride(t *testing.T) {
	// The default endpoint must never be reached from a test: a transport
	// that records the request host and fails stands in for the network.
	var hosts []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hosts = append(hosts, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path)
		return nil, errors.New("offline")
	})}
	for region, want := range map[string]string{
		"eu-west-1":     "https://signin.aws.amazon.com/federation",
		"us-gov-east-1": "https://signin.amazonaws-us-gov.com/federation",
		"cn-north-1":    "https://signin.amazonaws.cn/federation",
	} {
		hosts = nil
		_, err := (&Signer{HTTP: hc}).URL(context.Background(), Input{Subject: "p", Credentials: roleCreds, Kind: KindRole, Region: region})
		if err == nil || len(hosts) != 1 || hosts[0] != want {
			t.Errorf("%s: requested %v (err %v), want %s", region, hosts, err, want)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
