package server

import (
	"context"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Fake credentials. They look like real ones so that a leak check means something.
const (
	testKeyID  = "ASIATESTKEYID0000001"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
	testToken  = "FwoGZXIvYXdzEXAMPLESESSIONTOKENc2VjcmV0LXRva2Vu"
)

var testEpoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: testEpoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingProvider hands out credentials that expire at a fixed time and counts its calls.
type countingProvider struct {
	calls   atomic.Int32
	expires time.Time
	err     error
}

func (p *countingProvider) provide(ctx context.Context) (aws.Credentials, error) {
	n := p.calls.Add(1)
	if p.err != nil {
		return aws.Credentials{}, p.err
	}
	return aws.Credentials{
		AccessKeyID:     testKeyID,
		SecretAccessKey: testSecret,
		SessionToken:    testToken + strings.Repeat("x", int(n)-1),
		CanExpire:       true,
		Expires:         p.expires,
		Source:          "test",
	}, nil
}

func debugLogger(buf *testsvc.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request. host, when not empty, replaces the Host header.
func do(t *testing.T, method, url, host string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// assertNoSecret fails when s contains any of the secrets.
func assertNoSecret(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range append([]string{testSecret, testToken}, secrets...) {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s contains a secret (%.6s...): %q", what, sec, s)
		}
	}
}
