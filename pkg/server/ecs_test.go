package server

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func startECS(t *testing.T, p Provider, opts Options) *ECS {
	t.Helper()
	e, err := StartECS(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func ecsGet(t *testing.T, e *ECS, host string, header map[string]string) response {
	t.Helper()
	if header == nil {
		header = map[string]string{"Authorization": e.Token()}
	}
	return do(t, http.MethodGet, e.URL(), host, header)
}

func TestECSServesCredentials(t *testing.T) {
	clock := newFakeClock()
	p := &countingProvider{expires: testEpoch.Add(time.Hour).In(time.FixedZone("X", 3600))}
	e := startECS(t, p.provide, Options{Now: clock.Now})

	r := ecsGet(t, e, "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	want := map[string]string{
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
	if exp, err := time.Parse(time.RFC3339, got["Expiration"]); err != nil || !exp.Equal(p.expires) {
		t.Errorf("Expiration %q is not RFC 3339 for %v: %v", got["Expiration"], p.expires, err)
	}
}

func TestECSURLAndToken(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	seed := bytes.Repeat([]byte{0xab, 0x01}, 32)
	e := startECS(t, p.provide, Options{Rand: bytes.NewReader(seed)})

	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/$`).MatchString(e.URL()) {
		t.Errorf("URL %q", e.URL())
	}
	if want := hex.EncodeToString(seed[:32]); e.Token() != want {
		t.Errorf("token %q, want the first 256 bits of Rand in hex %q", e.Token(), want)
	}

	// With the default source, two endpoints get different 256-bit tokens.
	a := startECS(t, p.provide, Options{})
	b := startECS(t, p.provide, Options{})
	if len(a.Token()) != 64 || a.Token() == b.Token() {
		t.Errorf("tokens %q and %q: want two different 64-digit hex tokens", a.Token(), b.Token())
	}
	if a.URL() == b.URL() {
		t.Errorf("two endpoints share %s", a.URL())
	}
}

func TestECSRandFailure(t *testing.T) {
	p := &countingProvider{}
	_, err := StartECS(p.provide, Options{Rand: iotest.ErrReader(errors.New("no entropy"))})
	if err == nil || !strings.Contains(err.Error(), "no entropy") {
		t.Fatalf("err %v, want the random source's error", err)
	}
	if _, err := StartECS(nil, Options{}); err == nil {
		t.Fatal("a nil provider was accepted")
	}
}

func TestECSAuthorization(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	e := startECS(t, p.provide, Options{Now: newFakeClock().Now})
	tok := e.Token()
	tests := []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"missing header gets 401", map[string]string{}, http.StatusUnauthorized, "MissingToken"},
		{"empty header gets 401", map[string]string{"Authorization": ""}, http.StatusUnauthorized, "MissingToken"},
		{"wrong token gets 403", map[string]string{"Authorization": strings.Repeat("0", 64)}, http.StatusForbidden, "InvalidToken"},
		{"token prefix gets 403", map[string]string{"Authorization": tok[:63]}, http.StatusForbidden, "InvalidToken"},
		{"token with extra gets 403", map[string]string{"Authorization": tok + "0"}, http.StatusForbidden, "InvalidToken"},
		{"bearer scheme gets 403", map[string]string{"Authorization": "Bearer " + tok}, http.StatusForbidden, "InvalidToken"},
		{"upper-case token gets 403", map[string]string{"Authorization": strings.ToUpper(tok)}, http.StatusForbidden, "InvalidToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ecsGet(t, e, "", tt.header)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (body %s)", r.status, tt.status, r.body)
			}
			var body map[string]string
			if err := json.Unmarshal([]byte(r.body), &body); err != nil {
				t.Fatalf("error body %q is not JSON: %v", r.body, err)
			}
			if body["code"] != tt.code || body["message"] == "" {
				t.Errorf("error body %v, want code %q and a message", body, tt.code)
			}
			assertNoSecret(t, "error body", r.body, testKeyID, tok)
		})
	}
	if n := p.calls.Load(); n != 0 {
		t.Errorf("provider called %d times for unauthorised requests", n)
	}
}

func TestECSHostCheck(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	e := startECS(t, p.provide, Options{Now: newFakeClock().Now})
	u, _ := url.Parse(e.URL())
	_, port, _ := net.SplitHostPort(u.Host)
	refused := []string{
		"evil.example",
		"evil.example:" + port,
		"127.0.0.1",
		"127.0.0.1:1",
		"127.0.0.2:" + port,
		"[::1]:" + port,
		"localhost",
		"localhost.evil.example:" + port,
		"0.0.0.0:" + port,
		"127.0.0.1:" + port + "0",
	}
	for _, host := range refused {
		t.Run("refuses "+host, func(t *testing.T) {
			r := ecsGet(t, e, host, nil)
			if r.status < 400 || r.status > 499 {
				t.Fatalf("Host %q: status %d, want 4xx", host, r.status)
			}
			assertNoSecret(t, "body", r.body, testKeyID)
		})
	}
	if n := p.calls.Load(); n != 0 {
		t.Errorf("provider called %d times for refused hosts", n)
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LocalHost:" + port} {
		t.Run("accepts "+host, func(t *testing.T) {
			if r := ecsGet(t, e, host, nil); r.status != http.StatusOK {
				t.Fatalf("Host %q: status %d, body %s", host, r.status, r.body)
			}
		})
	}
}

func TestECSMethodAndPath(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	e := startECS(t, p.provide, Options{Now: newFakeClock().Now})
	auth := map[string]string{"Authorization": e.Token()}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodOptions} {
		r := do(t, m, e.URL(), "", auth)
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, r.status)
		}
		assertNoSecret(t, m+" body", r.body, testKeyID)
	}
	r := do(t, http.MethodGet, e.URL()+"other", "", auth)
	if r.status != http.StatusNotFound {
		t.Errorf("GET /other: status %d, want 404", r.status)
	}
	// The unauthenticated learn nothing about paths.
	r = do(t, http.MethodGet, e.URL()+"other", "", nil)
	if r.status != http.StatusUnauthorized {
		t.Errorf("GET /other without token: status %d, want 401", r.status)
	}
}

func TestECSProviderErrorHidesDetails(t *testing.T) {
	var logBuf testsvc.Buffer
	p := &countingProvider{err: errors.New("sts: key " + testSecret + " was refused")}
	e := startECS(t, p.provide, Options{Now: newFakeClock().Now, Log: debugLogger(&logBuf)})
	r := ecsGet(t, e, "", nil)
	if r.status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", r.status)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if body["code"] == "" || body["message"] == "" {
		t.Errorf("error body %v lacks code or message", body)
	}
	assertNoSecret(t, "error body", r.body)
	if !strings.Contains(logBuf.String(), "credential provider failed") {
		t.Errorf("the failure was not logged: %s", logBuf.String())
	}

	// A panicking provider is an error too, not a crash.
	pan := func(context.Context) (aws.Credentials, error) { panic("boom") }
	e2 := startECS(t, pan, Options{})
	if r := ecsGet(t, e2, "", nil); r.status != http.StatusInternalServerError {
		t.Errorf("panicking provider: status %d, want 500", r.status)
	}
}

func TestECSLogHasNoSecrets(t *testing.T) {
	var logBuf testsvc.Buffer
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	e := startECS(t, p.provide, Options{Now: newFakeClock().Now, Log: debugLogger(&logBuf)})
	ecsGet(t, e, "", nil)
	ecsGet(t, e, "", map[string]string{"Authorization": "wrong"})
	ecsGet(t, e, "evil.example", nil)
	log := logBuf.String()
	if !strings.Contains(log, "credential request") || !strings.Contains(log, "status=200") {
		t.Errorf("requests not logged at debug level: %s", log)
	}
	assertNoSecret(t, "log", log, e.Token())
}

func TestECSCachesUntilFiveMinutesBeforeExpiry(t *testing.T) {
	clock := newFakeClock()
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	e := startECS(t, p.provide, Options{Now: clock.Now})
	for range 3 {
		if r := ecsGet(t, e, "", nil); r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
	}
	if n := p.calls.Load(); n != 1 {
		t.Fatalf("provider called %d times for 3 requests, want 1", n)
	}
	clock.Advance(54*time.Minute + 59*time.Second) // 5m01s left: still cached
	ecsGet(t, e, "", nil)
	if n := p.calls.Load(); n != 1 {
		t.Fatalf("provider called %d times with 5m01s left, want 1", n)
	}
	clock.Advance(time.Second) // 5m left: refresh
	r := ecsGet(t, e, "", nil)
	if n := p.calls.Load(); n != 2 {
		t.Fatalf("provider called %d times with 5m left, want 2", n)
	}
	if !strings.Contains(r.body, testToken+"x") {
		t.Errorf("the refreshed credentials were not served: %s", r.body)
	}
}

func TestECSStaticCredentialsGetAnExpiration(t *testing.T) {
	clock := newFakeClock()
	static := func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIATESTKEYEXAMPLE01", SecretAccessKey: testSecret}, nil
	}
	e := startECS(t, static, Options{Now: clock.Now})
	r := ecsGet(t, e, "", nil)
	var got map[string]string
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if got["Expiration"] != "2030-01-02T04:04:05Z" || got["Token"] != "" || got["AccessKeyId"] != "AKIATESTKEYEXAMPLE01" {
		t.Errorf("static credentials served as %v", got)
	}
}

func TestECSOneProviderCallForConcurrentRequests(t *testing.T) {
	release := make(chan struct{})
	var calls sync.WaitGroup
	var mu sync.Mutex
	n := 0
	slow := func(ctx context.Context) (aws.Credentials, error) {
		mu.Lock()
		n++
		mu.Unlock()
		<-release
		return aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken,
			CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
	}
	e := startECS(t, slow, Options{})
	results := make(chan int, 8)
	for range 8 {
		calls.Add(1)
		go func() {
			defer calls.Done()
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, e.URL(), nil)
			req.Header.Set("Authorization", e.Token())
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				results <- 0
				return
			}
			resp.Body.Close()
			results <- resp.StatusCode
		}()
	}
	time.Sleep(200 * time.Millisecond)
	close(release)
	calls.Wait()
	close(results)
	for s := range results {
		if s != http.StatusOK {
			t.Errorf("status %d", s)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n != 1 {
		t.Errorf("provider called %d times for 8 concurrent requests, want 1", n)
	}
}

func TestECSRefreshOutlivesClientTimeout(t *testing.T) {
	release := make(chan struct{})
	var calls int32
	var mu sync.Mutex
	slow := func(ctx context.Context) (aws.Credentials, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release // an MFA prompt, say
		return aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken,
			CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
	}
	e := startECS(t, slow, Options{})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, e.URL(), nil)
	req.Header.Set("Authorization", e.Token())
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the first request did not time out")
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := ecsGet(t, e, "", nil)
		if r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %d", r.status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("provider called %d times, want 1: the timed-out refresh should fill the cache", calls)
	}
}

func TestECSClose(t *testing.T) {
	p := &countingProvider{expires: testEpoch.Add(time.Hour)}
	e, err := StartECS(p.provide, Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.URL())
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Error("the port still accepts connections after Close")
	}
}
