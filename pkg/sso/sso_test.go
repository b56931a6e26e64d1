package sso

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/testing/ssofake"
)

func TestCacheFileNameMatchesAWSCLI(t *testing.T) {
	// sha1sum of the sso-session name / the start URL, as the AWS CLI v2 names them.
	for key, want := range map[string]string{
		"corp":                              "ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
		"https://example.awsapps.com/start": "e8be5486177c5b5392bd9aa76563515b29358e6e.json",
	} {
		if got := CacheFileName(key); got != want {
			t.Errorf("CacheFileName(%q) = %q, want %q", key, got, want)
		}
	}
	p := &config.Profile{SSOSession: "corp", SSOStartURL: "https://x/start"}
	if CacheKey(p) != "corp" {
		t.Errorf("sso_session profile keyed by %q, want the session name", CacheKey(p))
	}
	p.SSOSession = ""
	if CacheKey(p) != "https://x/start" {
		t.Errorf("legacy profile keyed by %q, want the start URL", CacheKey(p))
	}
}

func TestReadTokenWrittenByAWSCLI(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.json")
	// As the AWS CLI v2 writes it (botocore's SSOTokenProvider), with a key
	// credo does not know.
	cli := `{"startUrl": "https://d-123.awsapps.com/start", "region": "eu-west-1", "accessToken": "aoaAAAA",
 "expiresAt": "2026-11-27T15:04:05Z", "clientId": "cid", "clientSecret": "csecret",
 "registrationExpiresAt": "2027-02-25T15:04:05Z", "refreshToken": "rtok", "somethingNew": {"a": 1}}`
	if err := os.WriteFile(path, []byte(cli), 0o600); err != nil {
		t.Fatal(err)
	}
	tok, err := ReadToken(path)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)
	if tok.StartURL != "https://d-123.awsapps.com/start" || tok.Region != "eu-west-1" || tok.AccessToken != "aoaAAAA" ||
		!tok.ExpiresAt.Equal(want) || tok.ClientID != "cid" || tok.ClientSecret != "csecret" || tok.RefreshToken != "rtok" ||
		!tok.RegistrationExpiresAt.Equal(time.Date(2027, 2, 25, 15, 4, 5, 0, time.UTC)) {
		t.Fatalf("ReadToken = %+v", tok)
	}
	// Older CLIs wrote "UTC" instead of "Z".
	if err := os.WriteFile(path, []byte(`{"startUrl":"u","region":"r","accessToken":"a","expiresAt":"2019-11-14T04:05:45UTC"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := ReadToken(path); err != nil || !tok.ExpiresAt.Equal(time.Date(2019, 11, 14, 4, 5, 45, 0, time.UTC)) {
		t.Fatalf("old format: %+v, %v", tok, err)
	}
	// Garbage is an error that does not quote the file.
	if err := os.WriteFile(path, []byte(`{"accessToken": "sekrit"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadToken(path); err == nil || strings.Contains(err.Error(), "sekrit") {
		t.Fatalf("broken file: %v", err)
	}
}

func TestWriteTokenFormatAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sso", "cache")
	path := filepath.Join(dir, CacheFileName("corp"))
	tok := Token{
		StartURL: "https://d-1.awsapps.com/start", Region: "us-east-2", AccessToken: "at",
		ExpiresAt: time.Date(2026, 11, 27, 15, 4, 5, 123, time.FixedZone("x", 3600)),
		ClientID:  "cid", ClientSecret: "cs", RegistrationExpiresAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), RefreshToken: "rt",
		other: map[string]json.RawMessage{"keep": json.RawMessage(`"me"`)},
	}
	if err := WriteToken(path, tok); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(dir)
	if di.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", di.Mode().Perm())
	}
	var m map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"startUrl": "https://d-1.awsapps.com/start", "region": "us-east-2", "accessToken": "at",
		"expiresAt": "2026-11-27T14:04:05Z", "clientId": "cid", "clientSecret": "cs",
		"registrationExpiresAt": "2027-01-01T00:00:00Z", "refreshToken": "rt", "keep": "me",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if len(m) != len(want) {
		t.Errorf("fields %v", m)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("leftover files: %v", ents)
	}
}

// env is a Client pointed at a fake, with a HOME of its own.
type env struct {
	fake    *ssofake.Server
	c       *Client
	stderr  *bytes.Buffer
	log     *bytes.Buffer
	opened  []string
	sleeps  []time.Duration
	home    string
	profile *config.Profile
	mu      sync.Mutex
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{fake: ssofake.NewTest(t), stderr: &bytes.Buffer{}, log: &bytes.Buffer{}, home: t.TempDir()}
	vars := map[string]string{
		"HOME":                      e.home,
		"AWS_ENDPOINT_URL_SSO":      e.fake.URL(),
		"AWS_ENDPOINT_URL_SSO_OIDC": e.fake.URL(),
	}
	e.c = &Client{
		Getenv: func(k string) string { return vars[k] },
		Stderr: e.stderr,
		Log:    slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Open: func(ctx context.Context, url string) error {
			e.mu.Lock()
			e.opened = append(e.opened, url)
			e.mu.Unlock()
			resp, err := http.Get(url) // the "browser" approves the request
			if err != nil {
				return err
			}
			return resp.Body.Close()
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.sleeps = append(e.sleeps, d)
			return nil
		},
	}
	e.profile = &config.Profile{
		Name: "dev", SSOSession: "corp", SSOStartURL: "https://d-1.awsapps.com/start", SSORegion: "eu-west-1",
		SSOAccountID: "111122223333", SSORoleName: "ReadOnly", SSORegistrationScopes: []string{"sso:account:access"},
	}
	return e
}

func (e *env) cachePath(t *testing.T) string {
	t.Helper()
	p, err := e.c.CachePath(e.profile)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(e.home, ".aws", "sso", "cache", sha1hex("corp")+".json"); p != want {
		t.Fatalf("cache path %s, want %s", p, want)
	}
	return p
}

func (e *env) checkNoSecrets(t *testing.T, texts ...string) {
	t.Helper()
	secrets := append(append(e.fake.AccessTokens(), e.fake.ClientSecrets()...), e.fake.RefreshTokens()...)
	for _, rc := range e.fake.Issued() {
		secrets = append(secrets, rc.SecretAccessKey, rc.SessionToken)
	}
	all := append([]string{e.stderr.String(), e.log.String()}, texts...)
	for _, s := range secrets {
		for _, txt := range all {
			if strings.Contains(txt, s) {
				t.Errorf("secret %.12s... leaked into %q", s, txt)
			}
		}
	}
}

func TestDeviceFlowThenCachedToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c, err := e.c.RoleCredentials(ctx, e.profile)
	if err != nil {
		t.Fatal(err)
	}
	issued := e.fake.Issued()
	if len(issued) != 1 || c.AccessKeyID != issued[0].AccessKeyID || c.SecretAccessKey != issued[0].SecretAccessKey ||
		c.SessionToken != issued[0].SessionToken || !c.CanExpire || !c.Expires.Equal(issued[0].Expiration) {
		t.Fatalf("credentials %+v, issued %+v", c, issued)
	}
	if issued[0].AccountID != "111122223333" || issued[0].RoleName != "ReadOnly" {
		t.Errorf("GetRoleCredentials for %s/%s", issued[0].AccountID, issued[0].RoleName)
	}
	reqs := e.fake.Requests()
	if reqs[0].Op != "RegisterClient" || reqs[0].Name != "credo" || reqs[0].Type != "public" || strings.Join(reqs[0].Scopes, ",") != "sso:account:access" {
		t.Errorf("RegisterClient %+v", reqs[0])
	}
	if reqs[1].Op != "StartDeviceAuthorization" || reqs[1].StartURL != e.profile.SSOStartURL {
		t.Errorf("StartDeviceAuthorization %+v", reqs[1])
	}
	for _, r := range reqs {
		if r.Op == "CreateToken" && r.GrantType != DeviceCodeGrant {
			t.Errorf("CreateToken grant %q", r.GrantType)
		}
	}
	if len(e.opened) != 1 || !strings.HasPrefix(e.opened[0], e.fake.URL()+"/device?user_code=") {
		t.Errorf("opened %q", e.opened)
	}
	if !strings.Contains(e.stderr.String(), e.fake.URL()+"/device") {
		t.Errorf("stderr lacks the URL: %q", e.stderr.String())
	}

	tok, err := ReadToken(e.cachePath(t))
	if err != nil {
		t.Fatal(err)
	}
	if tok.StartURL != e.profile.SSOStartURL || tok.Region != "eu-west-1" || tok.AccessToken == "" || tok.RefreshToken == "" ||
		tok.ClientID == "" || tok.ClientSecret == "" || tok.RegistrationExpiresAt.IsZero() || tok.ExpiresAt.Before(time.Now().Add(7*time.Hour)) {
		t.Errorf("cached token %v (fields missing)", tok)
	}

	// Second call: the cached token, no sign-in.
	before := e.fake.Calls("")
	if _, err := e.c.RoleCredentials(ctx, e.profile); err != nil {
		t.Fatal(err)
	}
	if e.fake.Calls("") != before+1 || e.fake.Calls("GetRoleCredentials") != 2 || len(e.opened) != 1 {
		t.Errorf("second call made %d calls, opened %d", e.fake.Calls("")-before, len(e.opened))
	}
	e.checkNoSecrets(t)
}

func TestDeviceFlowPendingAndSlowDown(t *testing.T) {
	e := newEnv(t)
	e.fake.SetInterval(2)
	e.fake.SetPending(2)
	e.fake.FailNext(1, "CreateToken", "SlowDownException")
	if _, err := e.c.RoleCredentials(context.Background(), e.profile); err != nil {
		t.Fatal(err)
	}
	// slow_down first (+5s), then two pending at the slower interval.
	want := []time.Duration{7 * time.Second, 7 * time.Second, 7 * time.Second}
	if len(e.sleeps) != len(want) {
		t.Fatalf("sleeps %v, want %v", e.sleeps, want)
	}
	for i := range want {
		if e.sleeps[i] != want[i] {
			t.Fatalf("sleeps %v, want %v", e.sleeps, want)
		}
	}
	if got := e.fake.Calls("CreateToken"); got != 4 {
		t.Errorf("CreateToken calls %d, want 4", got)
	}
}

func TestDeviceFlowExpiredAndDenied(t *testing.T) {
	e := newEnv(t)
	e.fake.FailNext(1, "CreateToken", "ExpiredTokenException")
	_, err := e.c.RoleCredentials(context.Background(), e.profile)
	if err == nil || !strings.Contains(err.Error(), "expired before it was approved") {
		t.Fatalf("expired device code: %v", err)
	}
	if _, err := os.Stat(e.cachePath(t)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed sign-in wrote the cache: %v", err)
	}
	e.fake.SetDeny(true)
	_, err = e.c.RoleCredentials(context.Background(), e.profile)
	if err == nil || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("denied: %v", err)
	}
	e.checkNoSecrets(t, err.Error())
}

func TestDeviceFlowGivesUpAtExpiry(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.c.Now = func() time.Time { return now }
	e.c.Open = func(context.Context, string) error { return nil } // never approved
	e.c.Sleep = func(ctx context.Context, d time.Duration) error { now = now.Add(d); return nil }
	_, err := e.c.RoleCredentials(context.Background(), e.profile)
	if err == nil || !strings.Contains(err.Error(), "expired before it was approved") {
		t.Fatalf("err = %v", err)
	}
	if n := e.fake.Calls("CreateToken"); n < 100 || n > 700 {
		t.Errorf("polled %d times in 10 minutes at 1s", n)
	}
}

func TestNoBrowserPrintsURLAndCode(t *testing.T) {
	e := newEnv(t)
	e.c.NoBrowser = true
	opened := false
	e.c.Open = func(context.Context, string) error { opened = true; return nil }
	e.fake.SetAutoApprove(true)
	if _, err := e.c.RoleCredentials(context.Background(), e.profile); err != nil {
		t.Fatal(err)
	}
	if opened {
		t.Error("--no-browser opened a browser")
	}
	out := e.stderr.String()
	if !strings.Contains(out, e.fake.URL()+"/device?user_code=") {
		t.Errorf("stderr lacks the verification URL: %q", out)
	}
	i := strings.Index(out, "user_code=")
	code := strings.Fields(out[i+len("user_code="):])[0]
	if !strings.Contains(out, "code: "+code) {
		t.Errorf("stderr lacks the user code %q: %q", code, out)
	}
}

func TestOpenFailureStillSignsIn(t *testing.T) {
	e := newEnv(t)
	e.fake.SetAutoApprove(true)
	e.c.Open = func(context.Context, string) error { return errors.New(`open the browser with "nope": not found`) }
	if _, err := e.c.RoleCredentials(context.Background(), e.profile); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.stderr.String(), "open the URL above yourself") {
		t.Errorf("stderr %q", e.stderr.String())
	}
}

func TestBrowserCommandGetsOnlyTheURL(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > "+argsFile+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HOME": e.home, "AWS_ENDPOINT_URL_SSO": e.fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC": e.fake.URL(), "BROWSER": script}
	e.c.Getenv = func(k string) string { return vars[k] }
	e.c.Open = nil
	e.fake.SetAutoApprove(true)
	if _, err := e.c.RoleCredentials(context.Background(), e.profile); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 2 || lines[0] != "1" || !strings.HasPrefix(lines[1], e.fake.URL()+"/device?user_code=") {
		t.Errorf("BROWSER got %q", lines)
	}
}

func TestRefreshReplacesRefreshToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.c.RoleCredentials(ctx, e.profile); err != nil {
		t.Fatal(err)
	}
	path := e.cachePath(t)
	first, _ := ReadToken(path)
	// Expire the access token in the cache (and at the fake).
	first.ExpiresAt = time.Now().Add(-time.Minute)
	if err := WriteToken(path, first); err != nil {
		t.Fatal(err)
	}
	e.fake.ExpireAccessTokens()
	opened := len(e.opened)
	if _, err := e.c.RoleCredentials(ctx, e.profile); err != nil {
		t.Fatal(err)
	}
	if len(e.opened) != opened || e.fake.Calls("StartDeviceAuthorization") != 1 {
		t.Fatal("refresh signed in again")
	}
	reqs := e.fake.Requests()
	var grants []string
	for _, r := range reqs {
		if r.Op == "CreateToken" {
			grants = append(grants, r.GrantType)
		}
	}
	if grants[len(grants)-1] != RefreshTokenGrant {
		t.Errorf("grants %v", grants)
	}
	second, _ := ReadToken(path)
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken ||
		second.ClientID != first.ClientID || second.ClientSecret != first.ClientSecret {
		t.Errorf("refresh did not replace the tokens: %v", second)
	}
	valid := e.fake.RefreshTokens()
	if len(valid) != 1 || valid[0] != second.RefreshToken {
		t.Errorf("the cache holds a refresh token the service no longer knows")
	}
	e.checkNoSecrets(t)
}

func TestRefreshFailureSignsIn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.c.RoleCredentials(ctx, e.profile); err != nil {
		t.Fatal(err)
	}
	path := e.cachePath(t)
	tok, _ := ReadToken(path)
	tok.ExpiresAt = time.Now().Add(-time.Minute)
	tok.RefreshToken = "refreshtoken-unknown"
	if err := WriteToken(path, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.RoleCredentials(ctx, e.profile); err != nil {
		t.Fatal(err)
	}
	if len(e.opened) != 2 || e.fake.Calls("RegisterClient") != 1 {
		t.Errorf("opened %d times, registered %d times (the registration should be reused)", len(e.opened), e.fake.Calls("RegisterClient"))
	}
}

func TestUnauthorizedSignsInOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.c.RoleCredentials(ctx, e.profile); err != nil {
		t.Fatal(err)
	}
	e.fake.RevokeAccessTokens()
	if _, err := e.c.RoleCredentials(ctx, e.profile); err != nil {
		t.Fatal(err)
	}
	if len(e.opened) != 2 {
		t.Errorf("opened %d times, want 2", len(e.opened))
	}
	// Refused even after a new sign-in: one error, no loop.
	e.fake.RevokeAccessTokens()
	e.fake.FailNext(2, "GetRoleCredentials", "UnauthorizedException")
	_, err := e.c.RoleCredentials(ctx, e.profile)
	if err == nil || !strings.Contains(err.Error(), "UnauthorizedException") {
		t.Fatalf("err = %v", err)
	}
	if len(e.opened) != 3 {
		t.Errorf("opened %d times, want 3", len(e.opened))
	}
	e.checkNoSecrets(t, err.Error())
}

func TestLegacyProfileUsesStartURLCache(t *testing.T) {
	e := newEnv(t)
	e.profile.SSOSession = ""
	e.profile.SSORegistrationScopes = nil
	if _, err := e.c.RoleCredentials(context.Background(), e.profile); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.home, ".aws", "sso", "cache", sha1hex(e.profile.SSOStartURL)+".json")
	if _, err := ReadToken(path); err != nil {
		t.Fatal(err)
	}
	if r := e.fake.Requests()[0]; len(r.Scopes) != 0 {
		t.Errorf("legacy profile registered with scopes %v", r.Scopes)
	}
}

func TestMissingKeys(t *testing.T) {
	e := newEnv(t)
	e.profile.SSORegion = ""
	_, err := e.c.RoleCredentials(context.Background(), e.profile)
	if err == nil || !strings.Contains(err.Error(), "sso_region") {
		t.Fatalf("err = %v", err)
	}
	if e.fake.Calls("") != 0 {
		t.Error("calls made")
	}
}

func TestUnreachable(t *testing.T) {
	e := newEnv(t)
	vars := map[string]string{"HOME": e.home, "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}
	e.c.Getenv = func(k string) string { return vars[k] }
	_, err := e.c.RoleCredentials(context.Background(), e.profile)
	if err == nil || !strings.Contains(err.Error(), "cannot reach IAM Identity Center at http://127.0.0.1:1") {
		t.Fatalf("err = %v", err)
	}
}

func TestLockHeldAroundSignIn(t *testing.T) {
	e := newEnv(t)
	var keys []string
	held := false
	e.c.Lock = func(ctx context.Context, key string) (func(), error) {
		keys = append(keys, key)
		held = true
		return func() { held = false }, nil
	}
	open := e.c.Open
	e.c.Open = func(ctx context.Context, url string) error {
		if !held {
			t.Error("browser opened without the lock")
		}
		return open(ctx, url)
	}
	if _, err := e.c.RoleCredentials(context.Background(), e.profile); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "sso-"+sha1hex("corp") {
		t.Errorf("lock keys %v", keys)
	}
}

func sha1hex(s string) string { return strings.TrimSuffix(CacheFileName(s), ".json") }

// An error answer of the OIDC service during sign-in is reported as that
// answer, not as a network timeout.
func TestSignInErrorAnswersAreNotTimeouts(t *testing.T) {
	for _, op := range []string{"RegisterClient", "StartDeviceAuthorization", "CreateToken"} {
		t.Run(op, func(t *testing.T) {
			e := newEnv(t)
			e.fake.FailNext(1, op, "InvalidClientException")
			_, err := e.c.RoleCredentials(context.Background(), e.profile)
			if err == nil || !strings.Contains(err.Error(), op+": InvalidClientException") {
				t.Fatalf("err = %v, want the %s answer", err, op)
			}
			if strings.Contains(err.Error(), "cannot reach") || strings.Contains(err.Error(), "no answer") {
				t.Fatalf("an answer was reported as a network failure: %v", err)
			}
			e.checkNoSecrets(t, err.Error())
		})
	}
}

// TestDeviceFlowApprovedInTheLastSeconds: polling goes on until the service
// says the code expired. Issue 7: credo stopped up to one interval before
// the expiry and turned away someone who approved in that last moment.
func TestDeviceFlowApprovedInTheLastSeconds(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	start := time.Now()
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e.fake.SetNow(clock)
	e.fake.SetInterval(7) // polls at 0, 7, ... 595; the next would be at 602, after the expiry at 600
	e.c.Now = clock
	var approveURL string
	e.c.Open = func(_ context.Context, url string) error { approveURL = url; return nil }
	approved := false
	e.c.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		now = now.Add(d)
		late := now.Sub(start) >= 596*time.Second
		mu.Unlock()
		if late && !approved { // approved at 596 s: 4 s before the code expires
			approved = true
			resp, err := http.Get(approveURL)
			if err != nil {
				return err
			}
			resp.Body.Close()
		}
		return nil
	}
	if _, err := e.c.RoleCredentials(context.Background(), e.profile); err != nil {
		t.Fatalf("approved 4 s before the expiry: %v", err)
	}
	if !approved {
		t.Fatal("the test never approved")
	}
}
