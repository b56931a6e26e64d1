package creds

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/sso"
)

// fetch makes the STS call of step n with the source credentials src.
func (x *run) fetch(ctx context.Context, n *node, src aws.Credentials) (aws.Credentials, error) {
	switch n.Kind {
	case nodeSession:
		in := &sts.GetSessionTokenInput{DurationSeconds: seconds(n.Duration)}
		var err error
		if in.SerialNumber, in.TokenCode, err = x.mfaParams(ctx, n); err != nil {
			return aws.Credentials{}, err
		}
		out, err := x.client(&src).GetSessionToken(ctx, in)
		if err != nil {
			return aws.Credentials{}, err
		}
		return fromSTS(out.Credentials)

	case nodeRole:
		in, err := x.assumeRoleInput(n)
		if err != nil {
			return aws.Credentials{}, err
		}
		if in.SerialNumber, in.TokenCode, err = x.mfaParams(ctx, n); err != nil {
			return aws.Credentials{}, err
		}
		out, err := x.client(&src).AssumeRole(ctx, in)
		if err != nil {
			return aws.Credentials{}, err
		}
		return fromSTS(out.Credentials)

	case nodeWebIdentity:
		p := n.Profile
		tok, err := os.ReadFile(p.WebIdentityTokenFile)
		if err != nil {
			return aws.Credentials{}, &sourceError{fmt.Errorf("web_identity_token_file: %w", err)}
		}
		token := strings.TrimSpace(string(tok))
		if token == "" {
			return aws.Credentials{}, &sourceError{fmt.Errorf("web_identity_token_file %s is empty", p.WebIdentityTokenFile)}
		}
		in := &sts.AssumeRoleWithWebIdentityInput{
			RoleArn:          aws.String(p.RoleARN),
			RoleSessionName:  aws.String(x.sessionName(p)),
			WebIdentityToken: aws.String(token),
			DurationSeconds:  seconds(n.Duration),
		}
		out, err := x.client(nil).AssumeRoleWithWebIdentity(ctx, in)
		if err != nil {
			return aws.Credentials{}, err
		}
		return fromSTS(out.Credentials)

	case nodeSSO:
		c, err := x.ssoClient().RoleCredentials(ctx, n.Profile)
		if err != nil {
			return aws.Credentials{}, &sourceError{err}
		}
		return c, nil
	}
	return aws.Credentials{}, fmt.Errorf("internal error: step kind %d makes no STS call", n.Kind)
}

// ssoClient is the Resolver's SSO, else a client built from its settings.
func (x *run) ssoClient() SSOAPI {
	if x.r.SSO != nil {
		return x.r.SSO
	}
	c := &sso.Client{
		Getenv:    x.r.Getenv,
		NoBrowser: x.r.NoBrowser,
		Stderr:    x.r.Notice,
		Now:       x.r.Now,
		Log:       x.r.Log,
	}
	if x.r.Locker != nil {
		c.Lock = x.r.Locker.Lock
	}
	return c
}

// client builds the STS client for one call, signed with src (nil: unsigned).
// Clients are built only when a call is made: a cached answer costs none.
func (x *run) client(src *aws.Credentials) STSAPI {
	if src == nil {
		return x.r.NewSTS(x.target, nil)
	}
	return x.r.NewSTS(x.target, staticProvider(*src))
}

func (x *run) assumeRoleInput(n *node) (*sts.AssumeRoleInput, error) {
	p := n.Profile
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(p.RoleARN),
		RoleSessionName: aws.String(x.sessionName(p)),
		DurationSeconds: seconds(n.Duration),
	}
	if p.ExternalID != "" {
		in.ExternalId = aws.String(p.ExternalID)
	}
	if p.SourceIdentity != "" {
		in.SourceIdentity = aws.String(p.SourceIdentity)
	}
	if len(p.SessionTags) > 0 {
		keys := make([]string, 0, len(p.SessionTags))
		for k := range p.SessionTags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(p.SessionTags[k])})
		}
	}
	if len(p.TransitiveSessionTags) > 0 {
		in.TransitiveTagKeys = append([]string(nil), p.TransitiveSessionTags...)
	}
	return in, nil
}

// sessionName is role_session_name, else credo-<user>-<unix time>, made
// valid for STS: 2 to 64 characters of [\w+=,.@-].
func (x *run) sessionName(p *config.Profile) string {
	if s := p.RoleSessionName; s != "" {
		return s
	}
	return DefaultSessionName(orEmpty(x.r.Getenv)("USER"), x.now())
}

var invalidSessionChars = regexp.MustCompile(`[^\w+=,.@-]+`)

// DefaultSessionName returns "credo-USER-UNIXTIME" with the characters STS
// refuses replaced and the user part shortened so that the whole fits in 64.
func DefaultSessionName(user string, now time.Time) string {
	user = strings.Trim(invalidSessionChars.ReplaceAllString(user, "-"), "-")
	ts := strconv.FormatInt(now.Unix(), 10)
	if max := 64 - len("credo--") - len(ts); len(user) > max {
		user = user[:max]
	}
	if user == "" {
		return "credo-" + ts
	}
	return "credo-" + user + "-" + ts
}

func seconds(d time.Duration) *int32 {
	return aws.Int32(int32(d / time.Second))
}

func fromSTS(c *types.Credentials) (aws.Credentials, error) {
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil {
		return aws.Credentials{}, errors.New("STS answered without credentials")
	}
	out := aws.Credentials{
		AccessKeyID:     *c.AccessKeyId,
		SecretAccessKey: *c.SecretAccessKey,
		SessionToken:    aws.ToString(c.SessionToken),
		Source:          "credo",
	}
	if c.Expiration != nil {
		out.CanExpire = true
		out.Expires = c.Expiration.UTC()
	}
	return out, nil
}

// sourceError is a failure that is not STS's answer; explain passes it on.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// mfaParams are the SerialNumber and TokenCode of a call that needs MFA, and
// nil, nil for one that does not; the code is asked for only here.
func (x *run) mfaParams(ctx context.Context, n *node) (serial, code *string, err error) {
	if n.Serial == "" {
		return nil, nil, nil
	}
	c, err := x.code(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	return aws.String(n.Serial), aws.String(c), nil
}
