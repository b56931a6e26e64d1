package creds

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/lock"
	"github.com/credo-cli/credo/pkg/sso"
	"github.com/credo-cli/credo/pkg/testing/ssofake"
)

// ssoEnv adds a fake IAM Identity Center to env: a HOME for the token
// cache, the endpoints, and a "browser" that approves what it opens.
type ssoEnv struct {
	*env
	sso    *ssofake.Server
	home   string
	opened int
	log    bytes.Buffer
}

func newSSOEnv(t *testing.T) *ssoEnv {
	t.Helper()
	s := &ssoEnv{env: newEnv(t), sso: ssofake.NewTest(t), home: t.TempDir()}
	s.sso.SetNow(s.clock.Now)
	s.vars["HOME"] = s.home
	s.vars["AWS_ENDPOINT_URL_SSO"] = s.sso.URL()
	s.vars["AWS_ENDPOINT_URL_SSO_OIDC"] = s.sso.URL()
	s.r.Log = slog.New(slog.NewTextHandler(&s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.r.SSO = &sso.Client{
		Getenv: s.r.Getenv,
		Stderr: &s.notice,
		Now:    s.clock.Now,
		Log:    s.r.Log,
		Open: func(ctx context.Context, url string) error {
			s.mu.Lock()
			s.opened++
			s.mu.Unlock()
			resp, err := http.Get(url)
			if err != nil {
				return err
			}
			return resp.Body.Close()
		},
		Sleep: func(context.Context, time.Duration) error { return nil },
	}
	return s
}

func ssoProfile() *config.Profile {
	return &config.Profile{
		Name: "sso", SSOSession: "corp", SSOStartURL: "https://d-1.awsapps.com/start", SSORegion: "eu-west-1",
		SSOAccountID: "111122223333", SSORoleName: "ReadOnly",
	}
}

func TestSSOTargetCachedInStore(t *testing.T) {
	e := newSSOEnv(t)
	c := e.mustRetrieve(Options{}, ssoProfile())
	issued := e.sso.Issued()
	if len(issued) != 1 || c.AccessKeyID != issued[0].AccessKeyID || !c.Expires.Equal(issued[0].Expiration) {
		t.Fatalf("got %s, issued %+v", c.AccessKeyID, issued)
	}
	if e.opened != 1 || e.fake.Calls("") != 0 {
		t.Errorf("opened %d, STS calls %d", e.opened, e.fake.Calls(""))
	}
	profile, key, err := plan.TargetKey([]*config.Profile{ssoProfile()}, Options{}, e.r.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.FindSession(profile, key, t0); err != nil || profile != "sso" {
		t.Fatalf("role credentials not cached under TargetKey (%s, %s): %v", profile, key, err)
	}

	// Second run: one store read, nothing else.
	e.store.resetCounts()
	before := e.sso.Calls("")
	got := e.mustRetrieve(Options{}, ssoProfile())
	if got.AccessKeyID != c.AccessKeyID || e.sso.Calls("") != before {
		t.Errorf("second run made %d SSO calls", e.sso.Calls("")-before)
	}
	if e.store.findSession != 1 || e.store.getKey != 0 || e.store.setSession != 0 {
		t.Errorf("store: %d finds, %d key reads, %d writes", e.store.findSession, e.store.getKey, e.store.setSession)
	}

	// Role credentials expired, token still good: GetRoleCredentials only.
	e.clock.Add(55 * time.Minute)
	c3 := e.mustRetrieve(Options{}, ssoProfile())
	if c3.AccessKeyID == c.AccessKeyID || e.opened != 1 || e.sso.Calls("GetRoleCredentials") != 2 || e.sso.Calls("StartDeviceAuthorization") != 1 {
		t.Errorf("renewal: opened %d, %d GetRoleCredentials", e.opened, e.sso.Calls("GetRoleCredentials"))
	}
	e.checkSecrets(t)
}

func TestSSOCacheKeyFromConfig(t *testing.T) {
	k := func(mod func(p *config.Profile), env map[string]string) string {
		p := ssoProfile()
		if mod != nil {
			mod(p)
		}
		_, key, err := plan.TargetKey([]*config.Profile{p}, Options{}, func(s string) string { return env[s] })
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	base := k(nil, nil)
	for name, other := range map[string]string{
		"start URL": k(func(p *config.Profile) { p.SSOStartURL = "https://other/start" }, nil),
		"region":    k(func(p *config.Profile) { p.SSORegion = "us-east-1" }, nil),
		"account":   k(func(p *config.Profile) { p.SSOAccountID = "444455556666" }, nil),
		"role":      k(func(p *config.Profile) { p.SSORoleName = "Admin" }, nil),
		"endpoint":  k(nil, map[string]string{"AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:1"}),
	} {
		if other == base {
			t.Errorf("changing the %s keeps the cache key", name)
		}
	}
	if k(nil, nil) != base {
		t.Error("cache key not stable")
	}
}

func TestSSOChainedRole(t *testing.T) {
	e := newSSOEnv(t)
	e.fake.AcceptUnknownKeys(true)
	r := role("admin")
	r.SourceProfile = "sso"
	r.Duration = 2 * time.Hour
	c := e.mustRetrieve(Options{}, r, ssoProfile())
	issued := e.sso.Issued()
	if len(issued) != 1 {
		t.Fatalf("issued %d SSO credentials", len(issued))
	}
	checkRequests(t, e.reqs(), []want{{
		action: "AssumeRole", signer: issued[0].AccessKeyID,
		form: map[string]string{"RoleArn": r.RoleARN, "DurationSeconds": "3600"},
	}})
	if !strings.Contains(e.notice.String(), "role chaining limits the session to 1h") {
		t.Errorf("notice %q", e.notice.String())
	}
	if c.AccessKeyID == issued[0].AccessKeyID {
		t.Error("got the SSO credentials, not the role's")
	}
	// Both steps cached: nothing is called the second time.
	e.mustRetrieve(Options{}, r, ssoProfile())
	if e.fake.Calls("") != 0 || e.sso.Calls("GetRoleCredentials") != 1 {
		t.Errorf("second run: %d STS calls, %d GetRoleCredentials", e.fake.Calls(""), e.sso.Calls("GetRoleCredentials"))
	}
	// The role expires, the SSO step is still cached: AssumeRole only.
	e.clock.Add(50 * time.Minute)
	e.mustRetrieve(Options{}, r, ssoProfile())
	if e.fake.Calls("AssumeRole") != 1 || e.sso.Calls("GetRoleCredentials") != 2 {
		// The SSO credentials (1h) have less than MinTTL left too.
		t.Errorf("after 50m: %d AssumeRole, %d GetRoleCredentials", e.fake.Calls("AssumeRole"), e.sso.Calls("GetRoleCredentials"))
	}
	e.checkSecrets(t)
}

func TestSSOSignInAgainWhenTokenRefused(t *testing.T) {
	e := newSSOEnv(t)
	e.mustRetrieve(Options{}, ssoProfile())
	e.clock.Add(55 * time.Minute) // role credentials below MinTTL
	e.sso.RevokeAccessTokens()
	e.mustRetrieve(Options{}, ssoProfile())
	if e.opened != 2 || e.sso.Calls("GetRoleCredentials") != 3 {
		t.Errorf("opened %d, %d GetRoleCredentials", e.opened, e.sso.Calls("GetRoleCredentials"))
	}
}

func TestSSOErrorsNameTheProfile(t *testing.T) {
	e := newSSOEnv(t)
	e.sso.SetDeny(true)
	r := role("admin")
	r.SourceProfile = "sso"
	_, err := e.retrieve(Options{}, r, ssoProfile())
	if err == nil || !strings.HasPrefix(err.Error(), `profile "admin": source_profile "sso": IAM Identity Center sign-in: the request was denied`) {
		t.Fatalf("err = %v", err)
	}
	if e.store.count() != 0 {
		t.Error("cached after a failure")
	}
	e.checkSecrets(t, err.Error())
}

func TestSSONoBrowserDefaultClient(t *testing.T) {
	e := newSSOEnv(t)
	e.r.SSO = nil // the Resolver builds its own client
	e.r.NoBrowser = true
	e.sso.SetAutoApprove(true)
	mark := filepath.Join(t.TempDir(), "opened")
	script := filepath.Join(t.TempDir(), "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch "+mark+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	e.vars["BROWSER"] = script
	e.mustRetrieve(Options{}, ssoProfile())
	if _, err := os.Stat(mark); err == nil {
		t.Error("--no-browser ran $BROWSER")
	}
	if !strings.Contains(e.notice.String(), e.sso.URL()+"/device?user_code=") || !strings.Contains(e.notice.String(), "code: ") {
		t.Errorf("notice lacks the URL and code: %q", e.notice.String())
	}
	// The token went to the AWS CLI's cache under HOME.
	if _, err := sso.ReadToken(filepath.Join(e.home, ".aws", "sso", "cache", sso.CacheFileName("corp"))); err != nil {
		t.Error(err)
	}
}

func TestSSOSingleFlight(t *testing.T) {
	e := newSSOEnv(t)
	e.r.SSO = nil
	dir := t.TempDir()
	e.vars["BROWSER"] = "/bin/sh" // never reached: opened below by hand
	l := &lock.Locker{Dir: filepath.Join(dir, "locks"), Wait: 20 * time.Second}
	e.r.Locker = l
	e.r.NoBrowser = true
	e.sso.SetAutoApprove(true)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	// Two roles on one sso-session, four requests each.
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := ssoProfile()
			if i%2 == 1 {
				p.Name, p.SSORoleName = "sso2", "Admin"
			}
			_, err := e.r.Retrieve(context.Background(), []*config.Profile{p}, Options{})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := e.sso.Calls("StartDeviceAuthorization"); n != 1 {
		t.Errorf("%d sign-ins, want 1", n)
	}
	if n := e.sso.Calls("GetRoleCredentials"); n != 2 {
		t.Errorf("%d GetRoleCredentials, want 2", n)
	}
}

// checkSecrets fails when a secret the fakes issued shows in the notices,
// the debug log or texts.
func (e *ssoEnv) checkSecrets(t *testing.T, texts ...string) {
	t.Helper()
	secrets := append(append(e.sso.AccessTokens(), e.sso.ClientSecrets()...), e.sso.RefreshTokens()...)
	for _, rc := range e.sso.Issued() {
		secrets = append(secrets, rc.SecretAccessKey, rc.SessionToken)
	}
	for _, txt := range append([]string{e.notice.String(), e.log.String()}, texts...) {
		for _, s := range secrets {
			if strings.Contains(txt, s) {
				t.Errorf("secret %.14s... leaked: %q", s, txt)
			}
		}
	}
}
