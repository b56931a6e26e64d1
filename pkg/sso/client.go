package sso

import (
	"context"
	"errors"
	"fmt"
	"github.com/credo-cli/credo/pkg/awscall"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/smithy-go"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/login"
)

// DeviceCodeGrant is the OAuth grant type of the device authorization flow.
const DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"

// RefreshTokenGrant is the OAuth grant type of a refresh.
const RefreshTokenGrant = "refresh_token"

// DefaultScope is the registration scope of sso_session profiles that set
// no sso_registration_scopes, as the AWS CLI v2 uses.
const DefaultScope = "sso:account:access"

// Defaults of the flow.
const (
	DefaultCallTimeout = awscall.CallTimeout
	defaultInterval    = 5 * time.Second
	// expiryGrace is how long after a device code's expiry credo still
	// polls a service that has not answered ExpiredTokenException.
	expiryGrace      = 30 * time.Second
	slowDownStep     = 5 * time.Second
	defaultDeviceTTL = 10 * time.Minute
	// tokenMargin: an access token with less left is not used.
	tokenMargin = time.Minute
)

// OIDCAPI is the part of the SSO OIDC client credo uses; *ssooidc.Client
// satisfies it.
type OIDCAPI interface {
	RegisterClient(ctx context.Context, in *ssooidc.RegisterClientInput, optFns ...func(*ssooidc.Options)) (*ssooidc.RegisterClientOutput, error)
	StartDeviceAuthorization(ctx context.Context, in *ssooidc.StartDeviceAuthorizationInput, optFns ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error)
	CreateToken(ctx context.Context, in *ssooidc.CreateTokenInput, optFns ...func(*ssooidc.Options)) (*ssooidc.CreateTokenOutput, error)
}

// PortalAPI is the part of the SSO portal client credo uses; *sso.Client
// satisfies it.
type PortalAPI interface {
	GetRoleCredentials(ctx context.Context, in *sso.GetRoleCredentialsInput, optFns ...func(*sso.Options)) (*sso.GetRoleCredentialsOutput, error)
}

// Client signs in to IAM Identity Center and gets role credentials. The
// zero value works: every field has a default. A Client is safe for
// concurrent use when its funcs are; set its fields before the first call.
type Client struct {
	// Getenv reads HOME (the cache), BROWSER, AWS_ENDPOINT_URL_SSO,
	// AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL; nil reads nothing.
	Getenv func(string) string
	// CacheDir is the token cache folder; "" means DefaultCacheDir.
	CacheDir string
	// NoBrowser prints the verification URL and code and opens nothing.
	NoBrowser bool
	// Open opens the verification URL; nil means $BROWSER URL, else the
	// system's opener (login.Opener).
	Open func(ctx context.Context, url string) error
	// Stderr receives the sign-in instructions; nil drops them.
	Stderr io.Writer
	// Lock, when set, is held around reading and renewing a token cache
	// file, so that concurrent processes open one browser between them.
	Lock func(ctx context.Context, key string) (unlock func(), err error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between polls; nil waits on a timer (or ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// HTTPClient is used for every call; nil means one with short dial and
	// header timeouts that honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
	HTTPClient *http.Client
	// CallTimeout bounds one call, retries included (default 10s).
	CallTimeout time.Duration
	// Log receives debug lines (never a secret); nil logs nothing.
	Log *slog.Logger

	// NewOIDC and NewPortal replace the SDK clients (tests); nil builds them.
	NewOIDC   func(p *config.Profile) OIDCAPI
	NewPortal func(p *config.Profile) PortalAPI

	httpOnce sync.Once
	hc       *http.Client
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) getenv(k string) string {
	if c.Getenv == nil {
		return ""
	}
	return c.Getenv(k)
}

func (c *Client) debug(msg string, args ...any) {
	if c.Log != nil {
		c.Log.Debug(msg, args...)
	}
}

func (c *Client) stderr() io.Writer {
	if c.Stderr == nil {
		return io.Discard
	}
	return c.Stderr
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return awscall.Sleep(ctx, d)
}

// Check reports what is missing in p to sign in with IAM Identity Center.
func Check(p *config.Profile) error {
	if missing := p.MissingSSOKeys(); len(missing) > 0 {
		return fmt.Errorf("IAM Identity Center (SSO) profile lacks %s", strings.Join(missing, ", "))
	}
	return nil
}

// CachePath returns the token cache file of profile p.
func (c *Client) CachePath(p *config.Profile) (string, error) {
	dir := c.CacheDir
	if dir == "" {
		var err error
		if dir, err = DefaultCacheDir(c.Getenv); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, CacheFileName(CacheKey(p))), nil
}

// RoleCredentials returns the credentials of p's sso_account_id and
// sso_role_name: GetRoleCredentials with a cached access token, refreshed or
// signed in for when needed. When SSO refuses the token
// (UnauthorizedException), it signs in again once.
func (c *Client) RoleCredentials(ctx context.Context, p *config.Profile) (aws.Credentials, error) {
	if err := Check(p); err != nil {
		return aws.Credentials{}, err
	}
	tok, fresh, err := c.token(ctx, p, "")
	if err != nil {
		return aws.Credentials{}, err
	}
	creds, err := c.getRoleCredentials(ctx, p, tok)
	if err != nil && !fresh && code(err) == "UnauthorizedException" {
		c.debug("sso access token refused, signing in again", "start_url", p.SSOStartURL)
		if tok, _, err = c.token(ctx, p, tok.AccessToken); err != nil {
			return aws.Credentials{}, err
		}
		creds, err = c.getRoleCredentials(ctx, p, tok)
	}
	if err != nil {
		return aws.Credentials{}, c.explainPortal(p, err, tok)
	}
	return creds, nil
}

// Token returns a valid access token for p from the cache, refreshing it or
// signing in when needed.
func (c *Client) Token(ctx context.Context, p *config.Profile) (Token, error) {
	t, _, err := c.token(ctx, p, "")
	return t, err
}

// Login signs in for p with the device authorization flow, whatever the
// cache holds, and stores the new token.
func (c *Client) Login(ctx context.Context, p *config.Profile) (Token, error) {
	path, err := c.CachePath(p)
	if err != nil {
		return Token{}, err
	}
	unlock, err := c.lock(ctx, path)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	old, _ := ReadToken(path)
	return c.signIn(ctx, p, path, old)
}

func (c *Client) lock(ctx context.Context, path string) (func(), error) {
	if c.Lock == nil {
		return func() {}, nil
	}
	unlock, err := c.Lock(ctx, "sso-"+strings.TrimSuffix(filepath.Base(path), ".json"))
	if err != nil {
		return nil, fmt.Errorf("IAM Identity Center sign-in: %w", err)
	}
	return unlock, nil
}

// token returns a usable access token and whether it comes from a sign-in
// made just now. rejected is an access token SSO has refused: it is not
// used again.
func (c *Client) token(ctx context.Context, p *config.Profile, rejected string) (Token, bool, error) {
	path, err := c.CachePath(p)
	if err != nil {
		return Token{}, false, err
	}
	unlock, err := c.lock(ctx, path)
	if err != nil {
		return Token{}, false, err
	}
	defer unlock()

	old, err := ReadToken(path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		c.debug("no sso token cached", "start_url", p.SSOStartURL)
	default:
		c.debug("sso token cache unreadable", "error", err)
		old = Token{}
	}
	now := c.now()
	if old.StartURL != "" && old.StartURL != p.SSOStartURL {
		// The session now names another start URL: nothing of it applies.
		old = Token{}
	}
	if old.Valid(now, tokenMargin) && old.AccessToken != rejected {
		c.debug("cached sso token", "start_url", p.SSOStartURL, "expires", old.ExpiresAt)
		return old, false, nil
	}
	if rejected == "" && old.CanRefresh(now, tokenMargin) {
		t, err := c.refresh(ctx, p, path, old)
		if err == nil {
			return t, false, nil
		}
		c.debug("sso token refresh failed, signing in", "error", err)
	}
	t, err := c.signIn(ctx, p, path, old)
	return t, true, err
}

func (c *Client) refresh(ctx context.Context, p *config.Profile, path string, old Token) (Token, error) {
	oidc := c.oidc(p)
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	out, err := oidc.CreateToken(cctx, &ssooidc.CreateTokenInput{
		ClientId:     aws.String(old.ClientID),
		ClientSecret: aws.String(old.ClientSecret),
		GrantType:    aws.String(RefreshTokenGrant),
		RefreshToken: aws.String(old.RefreshToken),
	})
	if err != nil {
		return Token{}, c.callError(ctx, cctx, p, "CreateToken", err, old)
	}
	t := old
	c.apply(&t, p, out)
	c.debug("sso token refreshed", "start_url", p.SSOStartURL, "expires", t.ExpiresAt, "new_refresh_token", aws.ToString(out.RefreshToken) != "")
	c.store(path, t)
	return t, nil
}

// apply puts CreateToken's answer into t.
func (c *Client) apply(t *Token, p *config.Profile, out *ssooidc.CreateTokenOutput) {
	t.StartURL = p.SSOStartURL
	t.Region = p.SSORegion
	t.AccessToken = aws.ToString(out.AccessToken)
	exp := time.Duration(out.ExpiresIn) * time.Second
	if exp <= 0 {
		exp = time.Hour
	}
	t.ExpiresAt = c.now().Add(exp).UTC().Truncate(time.Second)
	if rt := aws.ToString(out.RefreshToken); rt != "" {
		t.RefreshToken = rt
	}
}

func (c *Client) store(path string, t Token) {
	if err := WriteToken(path, t); err != nil {
		// The token works for this run; only the next one pays.
		c.debug("writing the sso token cache failed", "error", err)
		fmt.Fprintf(c.stderr(), "credo: warning: %v\n", err)
	}
}

// signIn runs the device authorization flow and stores the token.
func (c *Client) signIn(ctx context.Context, p *config.Profile, path string, old Token) (Token, error) {
	oidc := c.oidc(p)
	now := c.now()
	reg := old
	if !(reg.ClientID != "" && reg.ClientSecret != "" && reg.RegistrationExpiresAt.After(now.Add(time.Hour))) {
		scopes := p.SSORegistrationScopes
		if len(scopes) == 0 && p.SSOSession != "" {
			scopes = []string{DefaultScope}
		}
		cctx, cancel := c.callCtx(ctx)
		out, err := oidc.RegisterClient(cctx, &ssooidc.RegisterClientInput{
			ClientName: aws.String("credo"),
			ClientType: aws.String("public"),
			Scopes:     scopes,
		})
		if err != nil {
			cancel()
			return Token{}, c.callError(ctx, cctx, p, "RegisterClient", err, old)
		}
		cancel()
		reg = Token{
			ClientID:     aws.ToString(out.ClientId),
			ClientSecret: aws.ToString(out.ClientSecret),
		}
		if out.ClientSecretExpiresAt > 0 {
			reg.RegistrationExpiresAt = time.Unix(out.ClientSecretExpiresAt, 0).UTC()
		}
		c.debug("sso client registered", "start_url", p.SSOStartURL, "registration_expires", reg.RegistrationExpiresAt)
	}

	cctx, cancel := c.callCtx(ctx)
	da, err := oidc.StartDeviceAuthorization(cctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId:     aws.String(reg.ClientID),
		ClientSecret: aws.String(reg.ClientSecret),
		StartUrl:     aws.String(p.SSOStartURL),
	})
	if err != nil {
		cancel()
		return Token{}, c.callError(ctx, cctx, p, "StartDeviceAuthorization", err, reg)
	}
	cancel()
	uri := aws.ToString(da.VerificationUri)
	complete := aws.ToString(da.VerificationUriComplete)
	if complete == "" {
		complete = uri
	}
	userCode := aws.ToString(da.UserCode)
	w := c.stderr()
	if c.NoBrowser {
		fmt.Fprintf(w, "To sign in to IAM Identity Center (%s), open this URL in a browser:\n\n  %s\n\nand check that it shows the code: %s\n", p.SSOStartURL, complete, userCode)
		if uri != "" && uri != complete {
			fmt.Fprintf(w, "(or open %s and enter the code)\n", uri)
		}
	} else {
		fmt.Fprintf(w, "Opening the IAM Identity Center sign-in page (%s) in your browser.\n", p.SSOStartURL)
		fmt.Fprintf(w, "If it does not open, open %s and enter the code: %s\n", uri, userCode)
		open := c.Open
		if open == nil {
			open = login.Opener(c.Getenv, runtime.GOOS, w)
		}
		if err := open(ctx, complete); err != nil {
			fmt.Fprintf(w, "credo: warning: %v; open the URL above yourself\n", err)
		}
	}

	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = defaultInterval
	}
	ttl := time.Duration(da.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = defaultDeviceTTL
	}
	deadline := c.now().Add(ttl)
	for {
		cctx, cancel := c.callCtx(ctx)
		out, err := oidc.CreateToken(cctx, &ssooidc.CreateTokenInput{
			ClientId:     aws.String(reg.ClientID),
			ClientSecret: aws.String(reg.ClientSecret),
			GrantType:    aws.String(DeviceCodeGrant),
			DeviceCode:   da.DeviceCode,
		})
		cancel()
		if err == nil {
			t := reg
			t.other = old.other
			t.RefreshToken = ""
			c.apply(&t, p, out)
			c.debug("sso sign-in complete", "start_url", p.SSOStartURL, "expires", t.ExpiresAt)
			c.store(path, t)
			fmt.Fprintf(w, "Signed in to IAM Identity Center (%s).\n", p.SSOStartURL)
			return t, nil
		}
		switch code(err) {
		case "AuthorizationPendingException":
		case "SlowDownException":
			interval += slowDownStep
		case "ExpiredTokenException":
			return Token{}, hint.Wrap(errors.New("IAM Identity Center sign-in: the request expired before it was approved"),
				"try again and approve the request in the browser within its time")
		case "AccessDeniedException":
			return Token{}, errors.New("IAM Identity Center sign-in: the request was denied")
		default:
			return Token{}, c.callError(ctx, cctx, p, "CreateToken", err, reg)
		}
		// The service's ExpiredTokenException ends the wait, not our
		// clock: someone who approves in the last seconds still gets in.
		// When the next poll would come after the code's expiry, one more
		// is made just before it. Only a service that never says the code
		// expired is given up on, well after.
		now := c.now()
		if now.After(deadline.Add(2*interval + expiryGrace)) {
			return Token{}, hint.Wrap(errors.New("IAM Identity Center sign-in: the request expired before it was approved"),
				"try again and approve the request in the browser within its time")
		}
		wait := interval
		if last := deadline.Add(-time.Second); now.Before(last) && now.Add(wait).After(last) {
			wait = last.Sub(now)
		}
		c.debug("waiting for sso sign-in", "interval", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return Token{}, fmt.Errorf("IAM Identity Center sign-in: %w", err)
		}
	}
}

func (c *Client) getRoleCredentials(ctx context.Context, p *config.Profile, t Token) (aws.Credentials, error) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	start := time.Now()
	out, err := c.portal(p).GetRoleCredentials(cctx, &sso.GetRoleCredentialsInput{
		AccessToken: aws.String(t.AccessToken),
		AccountId:   aws.String(p.SSOAccountID),
		RoleName:    aws.String(p.SSORoleName),
	})
	c.debug("sso call", "action", "GetRoleCredentials", "account", p.SSOAccountID, "role", p.SSORoleName,
		"elapsed", time.Since(start).Round(time.Millisecond), "ok", err == nil)
	if err != nil {
		if ctx.Err() == nil && cctx.Err() != nil {
			return aws.Credentials{}, &UnreachableError{URL: c.portalURL(p), Err: fmt.Errorf("no answer within %s", c.callTimeout())}
		}
		if reason, ok := awscall.TransportFailure(err); ok && ctx.Err() == nil {
			return aws.Credentials{}, &UnreachableError{URL: c.portalURL(p), Err: reason}
		}
		return aws.Credentials{}, err
	}
	rc := out.RoleCredentials
	if rc == nil || aws.ToString(rc.AccessKeyId) == "" || aws.ToString(rc.SecretAccessKey) == "" {
		return aws.Credentials{}, errors.New("GetRoleCredentials answered without credentials")
	}
	cr := aws.Credentials{
		AccessKeyID:     aws.ToString(rc.AccessKeyId),
		SecretAccessKey: aws.ToString(rc.SecretAccessKey),
		SessionToken:    aws.ToString(rc.SessionToken),
		Source:          "credo:sso",
	}
	if rc.Expiration > 0 {
		cr.CanExpire = true
		cr.Expires = time.UnixMilli(rc.Expiration).UTC()
	}
	return cr, nil
}

// explainPortal phrases a GetRoleCredentials failure.
func (c *Client) explainPortal(p *config.Profile, err error, t Token) error {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return hint.Wrap(err, "check the network connection, HTTPS_PROXY and the SSO endpoint settings (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, endpoint_url)")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("IAM Identity Center GetRoleCredentials: %s", redact(err.Error(), t.AccessToken, t.ClientSecret, t.RefreshToken))
	}
	msg := redact(oneLine(ae.ErrorMessage()), t.AccessToken, t.ClientSecret, t.RefreshToken)
	switch ae.ErrorCode() {
	case "ForbiddenException", "ResourceNotFoundException":
		return hint.Wrap(fmt.Errorf("IAM Identity Center gives no role %s in account %s to this user (%s)", p.SSORoleName, p.SSOAccountID, ae.ErrorCode()),
			"check sso_account_id and sso_role_name, and the permission sets assigned to you")
	case "UnauthorizedException":
		return fmt.Errorf("IAM Identity Center refused the access token after a new sign-in (UnauthorizedException): %s", msg)
	case "TooManyRequestsException":
		return hint.Wrap(fmt.Errorf("IAM Identity Center is throttling requests (%s)", ae.ErrorCode()), "wait a minute and try again")
	}
	return fmt.Errorf("IAM Identity Center GetRoleCredentials: %s", withMessage(ae.ErrorCode(), msg))
}

// callError phrases a failed SSO OIDC call; it never quotes a secret.
func (c *Client) callError(ctx, cctx context.Context, p *config.Profile, op string, err error, t Token) error {
	if ctx.Err() != nil {
		return fmt.Errorf("IAM Identity Center sign-in: %w", ctx.Err())
	}
	hintNet := "check the network connection, HTTPS_PROXY and the SSO OIDC endpoint settings (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, endpoint_url)"
	// cctx may be cancelled by now (callers cancel before phrasing the
	// error): what counts is whether the call itself ran out of time.
	if errors.Is(err, context.DeadlineExceeded) && cctx.Err() != nil {
		return hint.Wrap(&UnreachableError{URL: c.oidcURL(p), Err: fmt.Errorf("no answer within %s", c.callTimeout())}, hintNet)
	}
	if reason, ok := awscall.TransportFailure(err); ok {
		return hint.Wrap(&UnreachableError{URL: c.oidcURL(p), Err: reason}, hintNet)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := redact(oneLine(ae.ErrorMessage()), t.AccessToken, t.ClientSecret, t.RefreshToken)
		return fmt.Errorf("IAM Identity Center sign-in: %s: %s", op, withMessage(ae.ErrorCode(), msg))
	}
	return fmt.Errorf("IAM Identity Center sign-in: %s: %s", op, redact(err.Error(), t.AccessToken, t.ClientSecret, t.RefreshToken))
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// UnreachableError reports an SSO endpoint that did not answer.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return "cannot reach IAM Identity Center at " + e.URL + ": " + e.Err.Error()
}

func (e *UnreachableError) Unwrap() error { return e.Err }

func (c *Client) callTimeout() time.Duration {
	if c.CallTimeout > 0 {
		return c.CallTimeout
	}
	return DefaultCallTimeout
}

func (c *Client) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.callTimeout())
}

// OIDCEndpoint is the SSO OIDC endpoint override of p ("" for AWS's).
func OIDCEndpoint(p *config.Profile, getenv func(string) string) string {
	return p.ServiceEndpoint("SSO_OIDC", "sso_oidc", getenv)
}

// PortalEndpoint is the SSO portal endpoint override of p ("" for AWS's).
func PortalEndpoint(p *config.Profile, getenv func(string) string) string {
	return p.ServiceEndpoint("SSO", "sso", getenv)
}

func (c *Client) oidcURL(p *config.Profile) string {
	if u := OIDCEndpoint(p, c.Getenv); u != "" {
		return u
	}
	return "https://oidc." + p.SSORegion + ".amazonaws.com"
}

func (c *Client) portalURL(p *config.Profile) string {
	if u := PortalEndpoint(p, c.Getenv); u != "" {
		return u
	}
	return "https://portal.sso." + p.SSORegion + ".amazonaws.com"
}

func (c *Client) httpClient() *http.Client {
	c.httpOnce.Do(func() {
		c.hc = c.HTTPClient
		if c.hc == nil {
			c.hc = awscall.HTTPClient()
		}
	})
	return c.hc
}

func (c *Client) retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 })
}

func (c *Client) oidc(p *config.Profile) OIDCAPI {
	if c.NewOIDC != nil {
		return c.NewOIDC(p)
	}
	o := ssooidc.Options{Region: p.SSORegion, HTTPClient: c.httpClient(), Retryer: c.retryer()}
	if u := OIDCEndpoint(p, c.Getenv); u != "" {
		o.BaseEndpoint = aws.String(u)
	}
	return ssooidc.New(o)
}

func (c *Client) portal(p *config.Profile) PortalAPI {
	if c.NewPortal != nil {
		return c.NewPortal(p)
	}
	o := sso.Options{Region: p.SSORegion, HTTPClient: c.httpClient(), Retryer: c.retryer()}
	if u := PortalEndpoint(p, c.Getenv); u != "" {
		o.BaseEndpoint = aws.String(u)
	}
	return sso.New(o)
}

// withMessage is "code: message", or the code alone when the service sent
// no message.
func withMessage(code, msg string) string {
	if msg == "" {
		return code
	}
	return code + ": " + msg
}
