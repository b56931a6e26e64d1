// Package server runs the local credential endpoints behind `credo exec --server` (an ECS
// container-credentials endpoint) and `credo exec --ec2-server` (an EC2 instance metadata
// endpoint, IMDSv2 only).
//
// Rules enforced by every endpoint in this package:
//   - it listens on 127.0.0.1 on a random port, never on another interface;
//   - it answers only requests whose Host is 127.0.0.1:PORT or localhost:PORT, which defeats DNS
//     rebinding from a web page;
//   - it never writes a secret (key, session token, bearer token) to its log or to an error body.
//
// The package is not a public API; it exists for credo's own command tree.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Provider returns the credentials to hand out. It is called when a client asks for credentials
// and the endpoint has none that stay valid for at least five more minutes.
type Provider func(ctx context.Context) (aws.Credentials, error)

// Options configures an endpoint. The zero value is usable.
type Options struct {
	// Rand is the source of the endpoint's tokens. Default: crypto/rand.
	Rand io.Reader
	// Now is the clock used for token and credential expiry. Default: time.Now.
	Now func() time.Time
	// RoleName is the instance role name the IMDS endpoint lists. Default: "credo".
	RoleName string
	// Region, when set, is served by the IMDS endpoint as the instance's region.
	Region string
	// Log receives one debug record per request and a warning when the provider fails. It never
	// receives a secret. Default: discard.
	Log *slog.Logger
	// Served, when set, is called with the credentials of every answer that hands some out and
	// the connection's two ends, the client's address and the server's (credo's audit log
	// records each answer and finds the client's process from them).
	Served func(c aws.Credentials, clientAddr, serverAddr string)
}

// DefaultRoleName is the role name the IMDS endpoint lists when Options.RoleName is empty.
const DefaultRoleName = "credo"

// timeLayout is RFC 3339 in UTC with whole seconds: botocore parses IMDS expiry times with
// exactly "%Y-%m-%dT%H:%M:%SZ", so fractional seconds or offsets would break it.
const timeLayout = "2006-01-02T15:04:05Z"

// staticLifetime is the Expiration reported for credentials that never expire (long-term keys
// with --no-session): clients then come back now and then instead of holding them forever.
const staticLifetime = time.Hour

func (o Options) withDefaults() Options {
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RoleName == "" {
		o.RoleName = DefaultRoleName
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// base is what both endpoints share: the loopback listener, the HTTP server, the Host check,
// the credential cache and the random source.
type base struct {
	kind   string
	opts   Options
	ln     net.Listener
	srv    *http.Server
	port   string
	cache  *cache
	cancel context.CancelFunc

	randMu sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

func newBase(kind string, provider Provider, opts Options) (*base, error) {
	if provider == nil {
		return nil, fmt.Errorf("%s endpoint: no credential provider", kind)
	}
	opts = opts.withDefaults()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%s endpoint: listen on 127.0.0.1: %w", kind, err)
	}
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		_ = ln.Close()
		return nil, fmt.Errorf("%s endpoint: unexpected listener address %s", kind, ln.Addr())
	}
	// Provider calls run on this context, not on the request's, so a refresh that takes longer
	// than a client's timeout (an MFA prompt, say) still completes and fills the cache for the
	// client's retry.
	ctx, cancel := context.WithCancel(context.Background())
	b := &base{
		kind:   kind,
		opts:   opts,
		ln:     ln,
		port:   strconv.Itoa(tcp.Port),
		cache:  newCache(ctx, provider, opts.Now),
		cancel: cancel,
	}
	return b, nil
}

// serve starts answering requests with h behind the Host check.
func (b *base) serve(h http.Handler) {
	b.srv = &http.Server{
		Handler:           b.guard(h),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(b.opts.Log.Handler(), slog.LevelDebug),
	}
	srv := b.srv
	go func() {
		if err := srv.Serve(b.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.opts.Log.Warn("credential endpoint stopped", "endpoint", b.kind, "err", err)
		}
	}()
}

// close stops the server, closes every open connection and cancels a refresh in flight.
func (b *base) close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		if b.srv != nil {
			b.closeErr = b.srv.Close()
		}
		// Close the listener ourselves too: srv.Close closes only listeners that Serve has
		// already registered, and the goroutine running Serve may not have got that far.
		// (Serve called after srv.Close returns ErrServerClosed at once.)
		if err := b.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) && b.closeErr == nil {
			b.closeErr = err
		}
		if b.closeErr != nil {
			b.closeErr = fmt.Errorf("%s endpoint: close: %w", b.kind, b.closeErr)
		}
	})
	return b.closeErr
}

// hostAllowed reports whether host names this endpoint exactly: 127.0.0.1:PORT or
// localhost:PORT. Anything else may be a DNS-rebinding page or a proxy in between.
func (b *base) hostAllowed(host string) bool {
	name, port, err := net.SplitHostPort(host)
	if err != nil || port != b.port {
		return false
	}
	return name == "127.0.0.1" || strings.EqualFold(name, "localhost")
}

// statusRecorder remembers the status code for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// guard applies the Host check, sets the headers every answer carries and logs the request
// (method, path, status: never a header value).
func (b *base) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		rec.Header().Set("Cache-Control", "no-store")
		if !b.hostAllowed(r.Host) {
			b.opts.Log.Warn("credential request refused: unexpected Host", "endpoint", b.kind, "host", r.Host)
			b.denyHost(rec)
		} else {
			h.ServeHTTP(rec, r)
		}
		b.opts.Log.Debug("credential request", "endpoint", b.kind, "method", r.Method,
			"path", r.URL.Path, "status", rec.status)
	})
}

// denyHost answers a request whose Host is not this endpoint's.
func (b *base) denyHost(w http.ResponseWriter) {
	if b.kind == "container" {
		writeJSONError(w, http.StatusForbidden, "InvalidHost", "request Host must be 127.0.0.1:"+b.port+" or localhost:"+b.port)
		return
	}
	http.Error(w, "request Host must be 127.0.0.1:"+b.port+" or localhost:"+b.port, http.StatusForbidden)
}

// random returns n bytes from the configured source. The lock matters because an injected
// reader need not be safe for concurrent use.
func (b *base) random(n int) ([]byte, error) {
	buf := make([]byte, n)
	b.randMu.Lock()
	defer b.randMu.Unlock()
	if _, err := io.ReadFull(b.opts.Rand, buf); err != nil {
		return nil, fmt.Errorf("%s endpoint: read random bytes: %w", b.kind, err)
	}
	return buf, nil
}

// credentials returns credentials from the cache, refreshing them through the provider when
// needed, and the expiry time to report for them.
func (b *base) credentials(r *http.Request) (aws.Credentials, time.Time, error) {
	creds, err := b.cache.get(r.Context())
	if err != nil {
		b.opts.Log.Warn("credential provider failed", "endpoint", b.kind, "err", err)
		return aws.Credentials{}, time.Time{}, err
	}
	exp := creds.Expires
	if !creds.CanExpire || exp.IsZero() {
		exp = b.opts.Now().Add(staticLifetime)
	}
	if b.opts.Served != nil {
		local := ""
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			local = a.String()
		}
		b.opts.Served(creds, r.RemoteAddr, local)
	}
	return creds, exp.UTC(), nil
}

// providerFailureMessage is what a client sees when the provider fails. It is fixed on purpose:
// the provider's error text is not guaranteed to be free of secrets, so it goes to credo's log only.
const providerFailureMessage = "credo could not get credentials; see the output of credo (run it with --debug for details)"
