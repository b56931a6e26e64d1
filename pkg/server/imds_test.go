package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func startIMDS(t *testing.T, p Provider, opts Options) *IMDS {
	t.Helper()
	m, err := StartIMDS(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func imdsPort(t *testing.T, m *IMDS) string {
	t.Helper()
	u, err := url.Parse(m.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// imdsToken gets a session token or fails the test.
func imdsToken(t *testing.T, m *IMDS, ttl string) string {
	t.Helper()
	r := do(t, http.MethodPut, m.Endpoint()+"/latest/api/token", "", map[string]string{
		"X-aws-ec2-metadata-token-ttl-seconds": ttl,
	})
	if r.status != http.StatusOK || r.body == "" {
		t.Fatalf("PUT token: status %d, body %q", r.status, r.body)
	}
	return r.body
}

func imdsGet(t *testing.T, m *IMDS, path, token string) response {
	t.Helper()
	h := map[string]string{}
	if token != "" {
		h["X-aws-ec2-metadata-token"] = token
	}
	return do(t, http.MethodGet, m.Endpoint()+path, "", h)
}

func TestIMDSServesRoleCredentials(t *testing.T) {
	clock := newFakeClock()
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: clock.Now})

	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+$`).MatchString(m.Endpoint()) {
		t.Errorf("Endpoint %q", m.Endpoint())
	}
	r := do(t, http.MethodPut, m.Endpoint()+"/latest/api/token", "", map[string]string{
		"X-aws-ec2-metadata-token-ttl-seconds": "21600",
	})
	if r.status != http.StatusOK {
		t.Fatalf("PUT token: status %d", r.status)
	}
	if got := r.header.Get("X-aws-ec2-metadata-token-ttl-seconds"); got != "21600" {
		t.Errorf("TTL header echoed as %q, want 21600", got)
	}
	tok := r.body

	list := imdsGet(t, m, "/latest/meta-data/iam/security-credentials/", tok)
	if list.status != http.StatusOK || list.body != "credo" {
		t.Fatalf("role list: status %d, body %q, want the role name credo", list.status, list.body)
	}
	cr := imdsGet(t, m, "/latest/meta-data/iam/security-credentials/credo", tok)
	if cr.status != http.StatusOK {
		t.Fatalf("role credentials: status %d, body %s", cr.status, cr.body)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(cr.body), &got); err != nil {
		t.Fatalf("body %q: %v", cr.body, err)
	}
	want := map[string]string{
		"Code":            "Success",
		"LastUpdated":     "2030-01-02T03:04:05Z",
		"Type":            "AWS-HMAC",
		"AccessKeyId":     testKeyID,
		"SecretAccessKey": testSecret,
		"Token":           testToken,
		"Expiration":      "2030-01-02T04:04:05Z",
	}
	if len(got) != len(want) {
		t.Errorf("fields %v, want exactly %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// Both SDK paths for the list (with and without the slash) and a trailing slash on the role.
	if r := imdsGet(t, m, "/latest/meta-data/iam/security-credentials", tok); r.body != "credo" {
		t.Errorf("list without slash: %d %q", r.status, r.body)
	}
	if r := imdsGet(t, m, "/latest/meta-data/iam/security-credentials/credo/", tok); r.status != http.StatusOK {
		t.Errorf("role with slash: %d", r.status)
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("provider called %d times, want 1 (cached)", n)
	}
}

func TestIMDSRoleNameAndRegion(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: newFakeClock().Now, RoleName: "dev-admin", Region: "eu-west-3"})
	tok := imdsToken(t, m, "60")
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/latest/meta-data/iam/security-credentials/", 200, "dev-admin"},
		{"/latest/meta-data/iam/security-credentials/credo", 404, ""},
		{"/latest/meta-data/iam/security-credentials/dev-admin/extra", 404, ""},
		{"/latest/meta-data/placement/region", 200, "eu-west-3"},
		{"/latest/meta-data/placement/availability-zone", 200, "eu-west-3a"},
		{"/latest/meta-data/instance-id", 404, ""},
		{"/latest/user-data", 404, ""},
		{"/", 404, ""},
	}
	for _, tt := range tests {
		r := imdsGet(t, m, tt.path, tok)
		if r.status != tt.status || (tt.body != "" && r.body != tt.body) {
			t.Errorf("GET %s: %d %q, want %d %q", tt.path, r.status, r.body, tt.status, tt.body)
		}
	}
	r := imdsGet(t, m, "/latest/dynamic/instance-identity/document", tok)
	var doc map[string]string
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || doc["region"] != "eu-west-3" {
		t.Errorf("identity document %d %q: %v", r.status, r.body, err)
	}
	if r := imdsGet(t, m, "/latest/meta-data/iam/security-credentials/dev-admin", tok); !strings.Contains(r.body, testKeyID) {
		t.Errorf("role dev-admin: %d %s", r.status, r.body)
	}

	// Without a region, the region paths do not exist.
	m2 := startIMDS(t, p.provide, Options{Now: newFakeClock().Now})
	tok2 := imdsToken(t, m2, "60")
	for _, path := range []string{"/latest/meta-data/placement/region", "/latest/dynamic/instance-identity/document",
		"/latest/meta-data/placement/availability-zone"} {
		if r := imdsGet(t, m2, path, tok2); r.status != http.StatusNotFound {
			t.Errorf("no region: GET %s: %d, want 404", path, r.status)
		}
	}
}

func TestIMDSTokenTTLBounds(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: newFakeClock().Now})
	tests := []struct {
		ttl    string // "-" means no header
		status int
	}{
		{"-", 400}, {"", 400}, {"0", 400}, {"1", 200}, {"60", 200}, {"21600", 200}, {"21601", 400},
		{"-1", 400}, {"+5", 400}, {"5 5", 400}, {"1.5", 400}, {"abc", 400},
		{"0x10", 400}, {"99999999999999999999", 400}, {"021600", 200}, {"0000000000021600", 400}, {"00060", 200},
	}
	for _, tt := range tests {
		h := map[string]string{}
		if tt.ttl != "-" {
			h["X-aws-ec2-metadata-token-ttl-seconds"] = tt.ttl
		}
		r := do(t, http.MethodPut, m.Endpoint()+"/latest/api/token", "", h)
		if r.status != tt.status {
			t.Errorf("TTL %q: status %d, want %d", tt.ttl, r.status, tt.status)
			continue
		}
		if tt.status == 200 {
			if r.header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
				t.Errorf("TTL %q: not echoed", tt.ttl)
			}
			if g := imdsGet(t, m, "/latest/meta-data/iam/security-credentials/", r.body); g.status != 200 {
				t.Errorf("TTL %q: the token does not work: %d", tt.ttl, g.status)
			}
		}
	}
}

func TestIMDSRefusesForwardedTokenRequests(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: newFakeClock().Now})
	for _, xff := range []string{"203.0.113.9", "127.0.0.1", ""} {
		req, _ := http.NewRequest(http.MethodPut, m.Endpoint()+"/latest/api/token", nil)
		req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "60")
		req.Header["X-Forwarded-For"] = []string{xff}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("X-Forwarded-For %q: status %d, want 403", xff, resp.StatusCode)
		}
		if resp.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") != "" {
			t.Errorf("X-Forwarded-For %q: a TTL was echoed", xff)
		}
	}
}

func TestIMDSRequiresSessionToken(t *testing.T) {
	clock := newFakeClock()
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: clock.Now, Region: "us-east-1"})
	other := startIMDS(t, p.provide, Options{Now: clock.Now})
	good := imdsToken(t, m, "60")
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	raw[len(raw)-1] ^= 1
	tampered := base64.RawURLEncoding.EncodeToString(raw)
	raw, _ = base64.RawURLEncoding.DecodeString(good)
	raw[20] ^= 0x7f // the expiry
	longer := base64.RawURLEncoding.EncodeToString(raw)

	bad := map[string]string{
		"no token (IMDSv1)":           "",
		"garbage":                     "not-a-token",
		"tampered signature":          tampered,
		"tampered expiry":             longer,
		"another endpoint's token":    imdsToken(t, other, "60"),
		"truncated":                   good[:len(good)-2],
		"ECS-looking hex token":       strings.Repeat("ab", 32),
		"token with trailing garbage": good + "AA",
	}
	paths := []string{
		"/latest/meta-data/iam/security-credentials/",
		"/latest/meta-data/iam/security-credentials/credo",
		"/latest/meta-data/placement/region",
		"/latest/no/such/path",
	}
	for name, tok := range bad {
		for _, path := range paths {
			r := imdsGet(t, m, path, tok)
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s: GET %s: status %d, want 401", name, path, r.status)
			}
			assertNoSecret(t, "body", r.body, testKeyID)
		}
	}
	if n := p.calls.Load(); n != 0 {
		t.Errorf("provider called %d times without a valid token", n)
	}
}

func TestIMDSTokenExpires(t *testing.T) {
	clock := newFakeClock()
	p := &countingProvider{expires: testEpoch.Add(10 * time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: clock.Now})
	short := imdsToken(t, m, "1")
	long := imdsToken(t, m, "21600")
	path := "/latest/meta-data/iam/security-credentials/credo"

	clock.Advance(999 * time.Millisecond)
	if r := imdsGet(t, m, path, short); r.status != http.StatusOK {
		t.Fatalf("1s token after 0.999s: status %d", r.status)
	}
	clock.Advance(time.Millisecond)
	if r := imdsGet(t, m, path, short); r.status != http.StatusUnauthorized {
		t.Fatalf("1s token after 1s: status %d, want 401", r.status)
	}
	clock.Advance(6*time.Hour - time.Second - time.Nanosecond)
	if r := imdsGet(t, m, path, long); r.status != http.StatusOK {
		t.Fatalf("6h token just before 6h: status %d", r.status)
	}
	clock.Advance(time.Nanosecond)
	if r := imdsGet(t, m, path, long); r.status != http.StatusUnauthorized {
		t.Fatalf("6h token after 6h: status %d, want 401", r.status)
	}
}

func TestIMDSHostCheck(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: newFakeClock().Now})
	port := imdsPort(t, m)
	tok := imdsToken(t, m, "60")
	for _, host := range []string{"169.254.169.254", "169.254.169.254:" + port, "evil.example:" + port,
		"127.0.0.1:1", "[::1]:" + port, "127.0.0.1"} {
		r := do(t, http.MethodPut, m.Endpoint()+"/latest/api/token", host, map[string]string{
			"X-aws-ec2-metadata-token-ttl-seconds": "60",
		})
		if r.status < 400 || r.status > 499 || r.header.Get("X-aws-ec2-metadata-token-ttl-seconds") != "" {
			t.Errorf("PUT with Host %q: status %d, want 4xx and no token", host, r.status)
		}
		r = do(t, http.MethodGet, m.Endpoint()+"/latest/meta-data/iam/security-credentials/credo", host,
			map[string]string{"X-aws-ec2-metadata-token": tok})
		if r.status < 400 || r.status > 499 {
			t.Errorf("GET with Host %q: status %d, want 4xx", host, r.status)
		}
		assertNoSecret(t, "body", r.body, testKeyID)
	}
	if n := p.calls.Load(); n != 0 {
		t.Errorf("provider called %d times for refused hosts", n)
	}
	r := do(t, http.MethodGet, m.Endpoint()+"/latest/meta-data/iam/security-credentials/credo", "localhost:"+port,
		map[string]string{"X-aws-ec2-metadata-token": tok})
	if r.status != http.StatusOK {
		t.Errorf("Host localhost:%s: status %d", port, r.status)
	}
}

func TestIMDSMethods(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: newFakeClock().Now})
	tok := imdsToken(t, m, "60")
	h := map[string]string{"X-aws-ec2-metadata-token": tok, "X-aws-ec2-metadata-token-ttl-seconds": "60"}
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/latest/api/token"},
		{http.MethodDelete, "/latest/meta-data/iam/security-credentials/credo"},
		{http.MethodPut, "/latest/meta-data/iam/security-credentials/credo"},
	} {
		r := do(t, c.method, m.Endpoint()+c.path, "", h)
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: status %d, want 405", c.method, c.path, r.status)
		}
		assertNoSecret(t, "body", r.body, testKeyID)
	}
}

func TestIMDSProviderErrorHidesDetails(t *testing.T) {
	var logBuf testsvc.Buffer
	p := &countingProvider{err: errors.New("token " + testToken + " expired")}
	m := startIMDS(t, p.provide, Options{Now: newFakeClock().Now, Log: debugLogger(&logBuf)})
	tok := imdsToken(t, m, "60")
	r := imdsGet(t, m, "/latest/meta-data/iam/security-credentials/credo", tok)
	if r.status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", r.status)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || body["Code"] == "Success" || body["Message"] == "" {
		t.Errorf("error body %q: %v", r.body, err)
	}
	assertNoSecret(t, "error body", r.body)
	if !strings.Contains(logBuf.String(), "credential provider failed") {
		t.Errorf("the failure was not logged")
	}
}

func TestIMDSLogHasNoSecrets(t *testing.T) {
	var logBuf testsvc.Buffer
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m := startIMDS(t, p.provide, Options{Now: newFakeClock().Now, Log: debugLogger(&logBuf)})
	tok := imdsToken(t, m, "60")
	imdsGet(t, m, "/latest/meta-data/iam/security-credentials/credo", tok)
	imdsGet(t, m, "/latest/meta-data/iam/security-credentials/credo", "")
	log := logBuf.String()
	if !strings.Contains(log, "status=200") || !strings.Contains(log, "status=401") {
		t.Errorf("requests not logged: %s", log)
	}
	assertNoSecret(t, "log", log, tok)
}

func TestIMDSClose(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	m, err := StartIMDS(p.provide, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(m.Endpoint(), "http://"), time.Second); err == nil {
		c.Close()
		t.Error("the port still accepts connections after Close")
	}
}
