package login

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/credo-cli/credo/pkg/awscall"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/hint"
)

// AllowAllPolicy is the session policy of the GetFederationToken call: the
// federated user's permissions are the intersection of the IAM user's and
// this policy's, so allowing everything gives the console all that the user
// may do, and nothing more.
const AllowAllPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// Limits of the console session.
const (
	MinDuration       = plan.MinDuration         // getSigninToken and GetFederationToken minimum
	MaxRoleDuration   = plan.MaxRoleTime         // getSigninToken's SessionDuration maximum
	MaxUserDuration   = plan.MaxSessionTokenTime // GetFederationToken's DurationSeconds maximum
	RoleChainingLimit = plan.RoleChainingLimit   // console session of a role assumed with temporary credentials
	DefaultDuration   = time.Hour
	DefaultTimeout    = awscall.CallTimeout // one HTTP or STS call
)

// STSAPI is the part of STS that login uses; *sts.Client satisfies it.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, params *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	GetFederationToken(ctx context.Context, params *sts.GetFederationTokenInput, optFns ...func(*sts.Options)) (*sts.GetFederationTokenOutput, error)
}

// NewSTS returns an STS client signed with c, calling region's STS, or
// endpoint when it is set (AWS_ENDPOINT_URL_STS and the like, resolved by
// the caller). hc nil uses NewHTTPClient.
func NewSTS(c aws.Credentials, region, endpoint string, hc *http.Client) STSAPI {
	if hc == nil {
		hc = NewHTTPClient()
	}
	o := sts.Options{
		Region:      region,
		Credentials: staticCreds(c),
		HTTPClient:  hc,
		Retryer:     retry.NewStandard(),
	}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	return sts.New(o)
}

type staticCreds aws.Credentials

func (s staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials(s), nil
}

// NewHTTPClient returns an HTTP client that honours HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY and gives up on a silent server.
func NewHTTPClient() *http.Client {
	c := awscall.HTTPClient()
	c.Timeout = DefaultTimeout
	return c
}

// Signer makes console sign-in URLs.
type Signer struct {
	// HTTP calls the federation endpoint; nil uses NewHTTPClient.
	HTTP *http.Client
	// NewSTS returns an STS client signed with the given credentials; it is
	// called only for user keys and credentials of unknown kind.
	NewSTS func(aws.Credentials) STSAPI
	// Log receives debug lines (never a secret); nil logs nothing.
	Log *slog.Logger
	// Notice receives user-facing notices, such as a duration capped by
	// role chaining; nil drops them.
	Notice io.Writer
}

// Input is what one sign-in URL is made from.
type Input struct {
	// Subject names the profile in errors, such as `profile "dev"`.
	Subject     string
	Credentials aws.Credentials
	Kind        Kind
	// Chained tells that role credentials were assumed with temporary
	// credentials: AWS then limits the console session to one hour.
	Chained bool
	// FallbackName is the GetFederationToken Name used when the user's
	// name cannot be read from its ARN (the profile name).
	FallbackName string
	// Duration of the console session; 0 means DefaultDuration. For user
	// keys it is the GetFederationToken DurationSeconds; for roles, the
	// SessionDuration of getSigninToken.
	Duration time.Duration
	// Region of the console ("" = the console's default).
	Region string
	// Path is a console path or full console URL (see ConsoleURL).
	Path string
	// Endpoint is CREDO_FEDERATION_ENDPOINT ("" = the partition's).
	Endpoint string
}

// URL returns the sign-in URL for in. The URL is a secret.
func (s *Signer) URL(ctx context.Context, in Input) (string, error) {
	si, err := s.SignIn(ctx, in)
	return si.URL, err
}

// SignIn is a sign-in URL and what the console session is made from.
type SignIn struct {
	// URL is the sign-in URL. It is a secret.
	URL string
	// Federated is true when the console session is a GetFederationToken
	// session made from user keys, false when in.Credentials were
	// exchanged as they are.
	Federated bool
	// AccessKeyID and Expires are those of the credentials exchanged for
	// the sign-in token: the key id CloudTrail records for the console
	// session's calls (not a secret).
	AccessKeyID string
	Expires     time.Time
}

// SignIn returns the sign-in URL for in and what it was made from.
func (s *Signer) SignIn(ctx context.Context, in Input) (SignIn, error) {
	dest, err := ConsoleURL(in.Region, in.Path)
	if err != nil {
		return SignIn{}, err
	}
	endpoint, err := Endpoint(in.Endpoint, in.Region)
	if err != nil {
		return SignIn{}, err
	}
	d := in.Duration
	if d == 0 {
		d = DefaultDuration
	}
	if d < MinDuration {
		return SignIn{}, fmt.Errorf("%s: console session %s is below the %s minimum", in.Subject, plan.FormatDuration(d), plan.FormatDuration(MinDuration))
	}

	c := in.Credentials
	kind := in.Kind
	var arn string
	federated := false
	if kind == KindUser && d > MaxUserDuration {
		return SignIn{}, fmt.Errorf("%s: console session %s is over the %s GetFederationToken allows", in.Subject, plan.FormatDuration(d), plan.FormatDuration(MaxUserDuration))
	}
	if kind == KindUnknown || kind == KindUser {
		arn, err = s.callerARN(ctx, c)
		if err != nil {
			return SignIn{}, fmt.Errorf("%s: %w", in.Subject, err)
		}
		if kind == KindUnknown {
			kind = KindOfARN(arn, c.SessionToken != "")
		}
	}
	s.debug("console sign-in", "credentials", kind.String(), "endpoint", endpoint)

	var sessionDuration time.Duration
	switch kind {
	case KindSession:
		return SignIn{}, hint.Wrap(fmt.Errorf("%s: %w", in.Subject, ErrSessionToken),
			"sign in with a role profile, or with the IAM user's long-term keys (credo add)")
	case KindUser:
		if c.SessionToken != "" {
			return SignIn{}, hint.Wrap(fmt.Errorf("%s: %w", in.Subject, ErrSessionToken),
				"sign in with a role profile, or with the IAM user's long-term keys (credo add)")
		}
		if d > MaxUserDuration {
			return SignIn{}, fmt.Errorf("%s: console session %s is over the %s GetFederationToken allows", in.Subject, plan.FormatDuration(d), plan.FormatDuration(MaxUserDuration))
		}
		c, err = s.federationToken(ctx, c, FederationName(arn, in.FallbackName), d)
		federated = true
		if err != nil {
			return SignIn{}, fmt.Errorf("%s: %w", in.Subject, err)
		}
	case KindRole:
		if d > MaxRoleDuration {
			return SignIn{}, fmt.Errorf("%s: console session %s is over the %s maximum for roles", in.Subject, plan.FormatDuration(d), plan.FormatDuration(MaxRoleDuration))
		}
		if in.Chained && d > RoleChainingLimit {
			s.notice("%s: role chaining limits the console session to %s; using %s instead of %s\n",
				in.Subject, plan.FormatDuration(RoleChainingLimit), plan.FormatDuration(RoleChainingLimit), plan.FormatDuration(d))
			d = RoleChainingLimit
		}
		sessionDuration = d
	case KindFederated:
		// Exchanged as they are: the console session lasts as long as
		// the credentials.
	default:
		return SignIn{}, fmt.Errorf("%s: cannot tell which kind of credentials these are (caller %s)", in.Subject, arn)
	}

	// No hint about the duration here: a chained role's session is capped
	// at 1h above, so a refusal or a network failure has another cause.
	token, err := s.signinToken(ctx, endpoint, c, sessionDuration)
	if err != nil {
		return SignIn{}, fmt.Errorf("%s: %w", in.Subject, err)
	}
	return SignIn{URL: SignInURL(endpoint, dest, token), Federated: federated, AccessKeyID: c.AccessKeyID, Expires: c.Expires}, nil
}

func (s *Signer) callerARN(ctx context.Context, c aws.Credentials) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	out, err := s.NewSTS(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	s.debug("sts call", "action", "GetCallerIdentity", "ok", err == nil)
	if err != nil {
		return "", fmt.Errorf("GetCallerIdentity: %w", err)
	}
	return aws.ToString(out.Arn), nil
}

// federationToken makes a federated user's credentials from long-term keys.
func (s *Signer) federationToken(ctx context.Context, c aws.Credentials, name string, d time.Duration) (aws.Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	out, err := s.NewSTS(c).GetFederationToken(ctx, &sts.GetFederationTokenInput{
		Name:            aws.String(name),
		Policy:          aws.String(AllowAllPolicy),
		DurationSeconds: aws.Int32(int32(d / time.Second)),
	})
	s.debug("sts call", "action", "GetFederationToken", "name", name, "duration", d, "ok", err == nil)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("GetFederationToken: %w", err)
	}
	if out.Credentials == nil {
		return aws.Credentials{}, errors.New("GetFederationToken: the answer has no credentials")
	}
	oc := out.Credentials
	return aws.Credentials{
		AccessKeyID:     aws.ToString(oc.AccessKeyId),
		SecretAccessKey: aws.ToString(oc.SecretAccessKey),
		SessionToken:    aws.ToString(oc.SessionToken),
		CanExpire:       oc.Expiration != nil,
		Expires:         aws.ToTime(oc.Expiration),
	}, nil
}

// session is the Session parameter of getSigninToken.
type session struct {
	ID    string `json:"sessionId"`
	Key   string `json:"sessionKey"`
	Token string `json:"sessionToken"`
}

// signinToken asks the federation endpoint for a signin token. The request
// URL carries the credentials, so no error here ever quotes it.
func (s *Signer) signinToken(ctx context.Context, endpoint string, c aws.Credentials, sessionDuration time.Duration) (string, error) {
	if c.SessionToken == "" {
		return "", errors.New("console sign-in needs temporary credentials")
	}
	sess, err := json.Marshal(session{ID: c.AccessKeyID, Key: c.SecretAccessKey, Token: c.SessionToken})
	if err != nil {
		return "", fmt.Errorf("federation session: %w", err)
	}
	q := url.Values{}
	q.Set("Action", "getSigninToken")
	if sessionDuration > 0 {
		q.Set("SessionDuration", strconv.FormatInt(int64(sessionDuration/time.Second), 10))
	}
	q.Set("Session", string(sess))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("federation endpoint %s: bad request", endpoint)
	}
	req.Header.Set("Accept", "application/json")
	hc := s.HTTP
	if hc == nil {
		hc = NewHTTPClient()
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error quotes the URL, and so the credentials
		}
		s.debug("federation call", "endpoint", endpoint, "ok", false)
		return "", fmt.Errorf("cannot reach the federation endpoint %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	s.debug("federation call", "endpoint", endpoint, "status", resp.StatusCode, "elapsed", time.Since(start).Round(time.Millisecond))
	if err != nil {
		return "", fmt.Errorf("federation endpoint %s: reading the answer: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("federation endpoint %s refused the credentials: HTTP %d", endpoint, resp.StatusCode)
	}
	var out struct {
		SigninToken string
	}
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", fmt.Errorf("federation endpoint %s: the answer has no SigninToken", endpoint)
	}
	return out.SigninToken, nil
}

func (s *Signer) debug(msg string, args ...any) {
	if s.Log != nil {
		s.Log.Debug(msg, args...)
	}
}

func (s *Signer) notice(format string, args ...any) {
	if s.Notice != nil {
		fmt.Fprintf(s.Notice, format, args...)
	}
}
