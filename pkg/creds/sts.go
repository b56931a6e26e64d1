package creds

import (
	"context"
	"fmt"
	"github.com/credo-cli/credo/pkg/awscall"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
)

// STSAPI is the part of the STS client credo uses. Its methods are the SDK's,
// so *sts.Client satisfies it and tests can put a fake in its place.
type STSAPI interface {
	GetSessionToken(ctx context.Context, params *sts.GetSessionTokenInput, optFns ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
	AssumeRole(ctx context.Context, params *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
	AssumeRoleWithWebIdentity(ctx context.Context, params *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error)
}

// DefaultRegion is the region STS is called in when neither the profile nor
// the environment names one.
const DefaultRegion = "us-east-1"

// Default bounds of one STS call, retries included.
const (
	DefaultCallTimeout = awscall.CallTimeout
	DefaultMaxAttempts = 3
)

// STSOptions configures NewSTS.
type STSOptions struct {
	// Profile gives the region, endpoint_url and services section; may be nil.
	Profile *config.Profile
	// Getenv reads AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_STS and
	// AWS_ENDPOINT_URL; nil reads nothing.
	Getenv func(string) string
	// Region, when set, wins over the profile and the environment.
	Region string
	// Credentials sign the calls; nil sends them unsigned (enough for
	// AssumeRoleWithWebIdentity).
	Credentials aws.CredentialsProvider
	// HTTPClient replaces the default client (dial and response timeouts,
	// proxies from HTTPS_PROXY/HTTP_PROXY/NO_PROXY).
	HTTPClient *http.Client
	// CallTimeout bounds one call, retries included (default 10s).
	CallTimeout time.Duration
	// MaxAttempts is the retryer's attempt count (default 3).
	MaxAttempts int
	// MaxBackoff caps the wait between attempts (default: the SDK's).
	MaxBackoff time.Duration
	// Log receives one debug line per call; nil logs nothing.
	Log *slog.Logger
}

// STSRegion returns the region STS is called in for profile p: the profile's
// region, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.
func STSRegion(p *config.Profile, getenv func(string) string) string {
	if p != nil && p.Region != "" {
		return p.Region
	}
	getenv = orEmpty(getenv)
	if r := getenv("AWS_REGION"); r != "" {
		return r
	}
	if r := getenv("AWS_DEFAULT_REGION"); r != "" {
		return r
	}
	return DefaultRegion
}

// STSEndpoint returns the endpoint override for STS as the AWS SDKs resolve
// it; see plan.STSEndpoint.
func STSEndpoint(p *config.Profile, getenv func(string) string) string {
	return plan.STSEndpoint(p, getenv)
}

// NewSTS builds an STS client without loading the SDK's shared
// configuration: the region, endpoint and credentials are those given. Each
// call is retried by the SDK's standard retryer (throttling, 5xx, broken
// connections) and bounded by CallTimeout; a call that cannot reach the
// endpoint fails with an *UnreachableError ("cannot reach STS at URL: ...").
func NewSTS(opts STSOptions) STSAPI {
	region := opts.Region
	if region == "" {
		region = STSRegion(opts.Profile, opts.Getenv)
	}
	endpoint := STSEndpoint(opts.Profile, opts.Getenv)
	shown := endpoint
	if shown == "" {
		shown = defaultSTSURL(region)
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = awscall.HTTPClient()
	}
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	retryer := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		if opts.MaxBackoff > 0 {
			o.MaxBackoff = opts.MaxBackoff
		}
	})
	o := sts.Options{
		Region:      region,
		Credentials: opts.Credentials,
		HTTPClient:  httpClient,
		Retryer:     retryer,
	}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	timeout := opts.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	return &stsClient{c: sts.New(o), url: shown, timeout: timeout, log: opts.Log}
}

// NewSTSFunc adapts NewSTS to Resolver.NewSTS: every client gets base's
// settings with the profile and credentials of the step, and all share one
// HTTP client (and so its connections).
func NewSTSFunc(base STSOptions) func(p *config.Profile, c aws.CredentialsProvider) STSAPI {
	if base.HTTPClient == nil {
		base.HTTPClient = awscall.HTTPClient()
	}
	return func(p *config.Profile, c aws.CredentialsProvider) STSAPI {
		o := base
		o.Profile = p
		o.Credentials = c
		return NewSTS(o)
	}
}

// STSURL is the STS endpoint profile p's calls go to: the override (see
// STSEndpoint), else the regional endpoint of STSRegion.
func STSURL(p *config.Profile, getenv func(string) string) string {
	if u := STSEndpoint(p, getenv); u != "" {
		return u
	}
	return defaultSTSURL(STSRegion(p, getenv))
}

func defaultSTSURL(region string) string {
	host := "sts." + region + ".amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		host += ".cn"
	}
	return "https://" + host
}

// UnreachableError reports an STS endpoint that did not answer.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return "cannot reach STS at " + e.URL + ": " + e.Err.Error()
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// BadAnswerError reports an STS endpoint whose answer credo refused: too
// large, or too slow to arrive in full.
type BadAnswerError struct {
	URL  string
	Slow bool
	Err  error
}

func (e *BadAnswerError) Error() string {
	if e.Slow {
		return "STS at " + e.URL + " " + e.Err.Error()
	}
	return "STS at " + e.URL + ": " + e.Err.Error()
}

func (e *BadAnswerError) Unwrap() error { return e.Err }

type stsClient struct {
	c       *sts.Client
	url     string
	timeout time.Duration
	log     *slog.Logger
}

func (s *stsClient) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, optFns ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	return call(ctx, s, "GetSessionToken", func(ctx context.Context) (*sts.GetSessionTokenOutput, error) {
		return s.c.GetSessionToken(ctx, in, optFns...)
	})
}

func (s *stsClient) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return call(ctx, s, "AssumeRole", func(ctx context.Context) (*sts.AssumeRoleOutput, error) {
		return s.c.AssumeRole(ctx, in, optFns...)
	})
}

func (s *stsClient) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return call(ctx, s, "AssumeRoleWithWebIdentity", func(ctx context.Context) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return s.c.AssumeRoleWithWebIdentity(ctx, in, optFns...)
	})
}

func call[T any](ctx context.Context, s *stsClient, action string, f func(context.Context) (T, error)) (T, error) {
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cctx, progress := awscall.WithProgress(cctx)
	out, err := f(cctx)
	if s.log != nil {
		s.log.Debug("sts call", "action", action, "endpoint", s.url, "elapsed", time.Since(start).Round(time.Millisecond), "ok", err == nil)
	}
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		// The caller gave up (Ctrl-C, its own deadline): say so plainly.
		return out, ctx.Err()
	}
	if big, ok := awscall.TooLarge(err); ok {
		return out, &BadAnswerError{URL: s.url, Err: big}
	}
	if cctx.Err() != nil && progress.Answered() {
		return out, &BadAnswerError{URL: s.url, Slow: true, Err: fmt.Errorf("answered too slowly: the whole answer did not arrive within %s", s.timeout)}
	}
	if cctx.Err() != nil {
		return out, &UnreachableError{URL: s.url, Err: fmt.Errorf("no answer within %s", s.timeout)}
	}
	if reason, ok := awscall.TransportFailure(err); ok {
		return out, &UnreachableError{URL: s.url, Err: reason}
	}
	return out, err
}

func orEmpty(getenv func(string) string) func(string) string {
	if getenv == nil {
		return func(string) string { return "" }
	}
	return getenv
}
