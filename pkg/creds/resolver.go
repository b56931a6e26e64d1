// Package creds turns a chain of AWS profiles into credentials: long-term
// keys from the keyring or the AWS files, GetSessionToken sessions (with
// MFA), roles (AssumeRole, AssumeRoleWithWebIdentity), chains of roles,
// credential_source = Environment and credential_process. Every STS result
// is cached in the keystore under a key derived from the configuration
// alone, so that a cached answer costs one keystore read and nothing else.
//
// docs/credentials.md describes the rules; pkg/creds is part of credo's
// implementation, not a public API.
package creds

import (
	"context"
	"errors"
	"fmt"
	"github.com/credo-cli/credo/pkg/hint"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/prompt"
)

// Locker is a cross-process lock (pkg/lock): Retrieve holds it around each
// step's fetch so that concurrent processes make one STS call and ask one
// MFA code between them.
type Locker interface {
	Lock(ctx context.Context, key string) (unlock func(), err error)
}

// Options are the per-request choices of `exec` and `export`.
type Options = plan.Options

// ErrNotSupported is returned (wrapped) for sources credo cannot use yet.
var ErrNotSupported = plan.ErrNotSupported

// node is one step of a plan; the names below keep the resolver short.
type node = plan.Step

const (
	nodeSource      = plan.KindSource
	nodeSession     = plan.KindSession
	nodeRole        = plan.KindRole
	nodeWebIdentity = plan.KindWebIdentity
	nodeSSO         = plan.KindSSO

	srcStored      = plan.SourceStored
	srcStatic      = plan.SourceStatic
	srcEnvironment = plan.SourceEnvironment
	srcProcess     = plan.SourceProcess
)

// Resolver gets credentials for profile chains. Only Store, NewSTS and (for
// MFA) Prompt are required; a Resolver is safe for concurrent use when its
// parts are.
type Resolver struct {
	Store keystore.Store
	// NewSTS builds the STS client of a step, signed with creds (nil for the
	// unsigned AssumeRoleWithWebIdentity); p is the target profile, whose
	// region and endpoint settings apply to the whole chain. See NewSTSFunc.
	NewSTS func(p *config.Profile, creds aws.CredentialsProvider) STSAPI
	Prompt prompt.Prompter
	// ProcessTimeout bounds a profile's credential_process: 0 (or less)
	// means no limit, as the credential_process_timeout setting's 0 does;
	// its default is the setting's, defined in pkg/settings only.
	ProcessTimeout time.Duration
	// MFAToken is the code given with --mfa-token; "-" means ReadMFAToken's.
	MFAToken string
	// ReadMFAToken reads the code of --mfa-token - (from standard input),
	// called only when a step needs a code; the caller makes repeated
	// calls return the first answer.
	ReadMFAToken func() (string, error)
	// Getenv reads the environment (credential_source = Environment,
	// AWS_ENDPOINT_URL_STS for cache keys, USER); nil reads nothing.
	Getenv func(string) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MinTTL is how long a cached session must still be valid to be used;
	// 0 means until it expires. Its default is the min_ttl setting's
	// (package settings).
	MinTTL time.Duration
	// Locker gives single flight across processes; nil means no locking.
	Locker Locker
	// Log receives debug lines (never a secret); nil logs nothing.
	Log *slog.Logger
	// Notice receives one-line notices such as a capped duration; nil drops them.
	Notice io.Writer
	// Environ is the environment of credential_process and mfa_process
	// commands; nil means credo's own.
	Environ []string
	// NoBrowser makes an IAM Identity Center sign-in print the verification
	// URL and code on Notice instead of opening a browser (--no-browser).
	NoBrowser bool
	// SSO gets IAM Identity Center role credentials; nil means an
	// *sso.Client built from Getenv, Now, NoBrowser, Notice, Log and Locker
	// (the AWS CLI v2's token cache under $HOME, $BROWSER or the system's
	// opener).
	SSO SSOAPI
}

// SSOAPI gets the role credentials of an IAM Identity Center profile,
// signing in when needed; *sso.Client satisfies it.
type SSOAPI interface {
	RoleCredentials(ctx context.Context, p *config.Profile) (aws.Credentials, error)
}

// Retrieve returns credentials for chain[0], the target; chain is the
// target followed by its source_profile chain down to the root.
func (r *Resolver) Retrieve(ctx context.Context, chain []*config.Profile, opts Options) (aws.Credentials, error) {
	c, _, err := r.RetrieveOrigin(ctx, chain, opts)
	return c, err
}

// RetrieveOrigin is Retrieve that also says where the credentials came
// from, for the audit log.
func (r *Resolver) RetrieveOrigin(ctx context.Context, chain []*config.Profile, opts Options) (aws.Credentials, plan.Origin, error) {
	top, err := plan.Plan(chain, opts, orEmpty(r.Getenv))
	if err != nil {
		return aws.Credentials{}, plan.Origin{}, err
	}
	x := &run{r: r, target: chain[0], codes: map[string]string{}}
	c, cached, err := x.get(ctx, top, "")
	if err != nil {
		return aws.Credentials{}, plan.Origin{}, err
	}
	return c, plan.OriginOf(top, cached), nil
}

// run is the state of one Retrieve.
type run struct {
	r      *Resolver
	target *config.Profile
	codes  map[string]string // MFA codes by serial, so one run asks once
	warned map[string]bool   // cache keys already reported unreadable
	// cacheWarned: a session that could not be cached was reported.
	cacheWarned bool
}

func (x *run) now() time.Time {
	if x.r.Now != nil {
		return x.r.Now()
	}
	return time.Now()
}

func (x *run) debug(msg string, args ...any) {
	if x.r.Log != nil {
		x.r.Log.Debug(msg, args...)
	}
}

// find returns the cached session of n, unless it is the one with the key id
// skip (a session STS has just rejected).
func (x *run) find(n *node, skip string) (aws.Credentials, bool) {
	s, err := x.r.Store.FindSession(n.Profile.Name, n.CacheKey, x.now().Add(x.r.MinTTL))
	if err != nil {
		if !errors.Is(err, keystore.ErrNotFound) {
			x.debug("reading the session cache failed", "profile", n.Profile.Name, "error", err)
		}
		// A cached session is only a cache: an unreadable one is replaced
		// (SetSession drops it), and the user is told once.
		if errors.Is(err, keystore.ErrCorrupt) && x.r.Notice != nil && !x.warned[n.CacheKey] {
			if x.warned == nil {
				x.warned = map[string]bool{}
			}
			x.warned[n.CacheKey] = true
			fmt.Fprintf(x.r.Notice, "credo: warning: %v; getting a new session\n", err)
		}
		return aws.Credentials{}, false
	}
	if skip != "" && s.AccessKeyID == skip {
		return aws.Credentials{}, false
	}
	x.debug("cached session", "profile", n.Profile.Name, "cache_key", n.CacheKey, "expires", s.Expiration)
	return fromSession(s), true
}

// get returns the credentials of step n and whether they came from the
// cache. skip names a cached session not to use (see find).
func (x *run) get(ctx context.Context, n *node, skip string) (aws.Credentials, bool, error) {
	if n.CacheKey == "" {
		c, err := x.source(ctx, n)
		return c, false, err
	}
	if c, ok := x.find(n, skip); ok {
		return c, true, nil
	}
	if x.r.Locker != nil {
		unlock, err := x.r.Locker.Lock(ctx, n.CacheKey)
		if err != nil {
			return aws.Credentials{}, false, n.Errorf("%w", err)
		}
		defer unlock()
		// Another process may have done the work while we waited.
		if c, ok := x.find(n, skip); ok {
			return c, true, nil
		}
	}
	x.debug("fetching", "profile", n.Profile.Name, "cache_key", n.CacheKey)
	if err := x.checkGivenCode(n); err != nil {
		return aws.Credentials{}, false, err
	}

	var src aws.Credentials
	srcCached := false
	if n.Source != nil {
		var err error
		if src, srcCached, err = x.get(ctx, n.Source, ""); err != nil {
			return aws.Credentials{}, false, err
		}
	}
	c, err := x.fetch(ctx, n, src)
	if err != nil && srcCached && rejectsCredentials(err) {
		// The cached source was refused (expired early, or revoked): drop it
		// and make it again once. Only that step is redone; a session below
		// it that still serves is reused, so no second MFA code is asked.
		x.debug("cached source rejected, renewing", "profile", n.Source.Profile.Name, "error", errCode(err))
		x.drop(n.Source)
		if src, _, err = x.get(ctx, n.Source, src.AccessKeyID); err != nil {
			return aws.Credentials{}, false, err
		}
		c, err = x.fetch(ctx, n, src)
	}
	if err != nil {
		return aws.Credentials{}, false, x.explain(n, err)
	}
	if now := x.now(); c.CanExpire && !c.Expires.After(now) {
		// Neither cached nor handed out: every consumer would fail with it.
		return aws.Credentials{}, false, hint.Wrap(
			n.Errorf("%s answered with credentials that had already expired (at %s; this computer's clock says %s)",
				action(n), c.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)),
			"check this computer's clock, and the endpoint settings (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, endpoint_url)")
	}
	if n.Notice != "" && x.r.Notice != nil {
		fmt.Fprintln(x.r.Notice, n.Notice)
	}
	if err := x.r.Store.SetSession(n.Profile.Name, n.CacheKey, toSession(c)); err != nil {
		// The credentials are good; only the next run pays for this.
		x.debug("caching the session failed", "profile", n.Profile.Name, "error", err)
		if x.r.Notice != nil && !x.cacheWarned {
			// Said once, in one line: otherwise every later command calls
			// STS (and asks for an MFA code) again without saying why.
			x.cacheWarned = true
			fmt.Fprintf(x.r.Notice, "credo: warning: the session of profile %q could not be cached (%s); the next command will get a new one\n",
				config.Clip(n.Profile.Name), oneLine(err.Error()))
		}
	}
	return c, false, nil
}

// drop removes the cached sessions of step n.
func (x *run) drop(n *node) {
	refs, err := x.r.Store.Sessions(n.Profile.Name)
	if err != nil {
		x.debug("listing sessions failed", "profile", n.Profile.Name, "error", err)
		return
	}
	for _, ref := range refs {
		if ref.CacheKey == n.CacheKey {
			if err := x.r.Store.RemoveSession(ref); err != nil {
				x.debug("removing a session failed", "profile", n.Profile.Name, "error", err)
			}
		}
	}
}

// checkGivenCode refuses a malformed --mfa-token before any call is made,
// when some step at or below n needs a code.
func (x *run) checkGivenCode(n *node) error {
	if x.r.MFAToken == "" {
		return nil
	}
	for m := n; m != nil; m = m.Source {
		if m.Serial != "" {
			c, err := x.givenToken()
			if err == nil {
				err = prompt.ValidCode(c)
			}
			if err != nil {
				return m.Errorf("--mfa-token: %w", err)
			}
			return nil
		}
	}
	return nil
}

// givenToken is the code of --mfa-token, read from standard input for "-".
func (x *run) givenToken() (string, error) {
	if x.r.MFAToken != "-" {
		return x.r.MFAToken, nil
	}
	if x.r.ReadMFAToken == nil {
		return "", errors.New("\"-\" (read the code from standard input) is not available here")
	}
	return x.r.ReadMFAToken()
}

// code returns the MFA code for serial: --mfa-token, else the profile's
// mfa_process, else the prompt. Every code is checked before it is used.
func (x *run) code(ctx context.Context, n *node) (string, error) {
	if c, ok := x.codes[n.Serial]; ok {
		return c, nil
	}
	var (
		c   string
		err error
	)
	switch {
	case x.r.MFAToken != "":
		if c, err = x.givenToken(); err == nil {
			err = prompt.ValidCode(c)
		}
		if err != nil {
			return "", n.Errorf("--mfa-token: %w", err)
		}
	case mfaProcess(n, x.target) != "":
		if c, err = prompt.FromProcess(ctx, mfaProcess(n, x.target), x.r.Environ); err != nil {
			return "", n.Errorf("%w", err)
		}
	case x.r.Prompt != nil:
		msg := fmt.Sprintf("Enter MFA code for %s (profile %q): ", n.Serial, n.MFAFrom.Name)
		if c, err = x.r.Prompt.MFACode(ctx, n.Serial, msg); err != nil {
			if hint.Of(err) != "" {
				err = hint.Wrap(err, fmt.Sprintf("pass the code with --mfa-token CODE, set mfa_process in profile %q, "+
					"or choose a prompt that needs no terminal with CREDO_PROMPT (ykman, zenity, kdialog, osascript)", n.MFAFrom.Name))
			}
			return "", n.Errorf("%w", err)
		}
	default:
		return "", n.Errorf("mfa_serial is set and no MFA code source is available")
	}
	if err := prompt.ValidCode(c); err != nil {
		return "", n.Errorf("%w", err)
	}
	x.codes[n.Serial] = strings.TrimSpace(c)
	return x.codes[n.Serial], nil
}

func fromSession(s keystore.Session) aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     s.AccessKeyID,
		SecretAccessKey: s.SecretAccessKey,
		SessionToken:    s.SessionToken,
		Source:          "credo",
		CanExpire:       !s.Expiration.IsZero(),
		Expires:         s.Expiration,
	}
}

func toSession(c aws.Credentials) keystore.Session {
	return keystore.Session{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		Expiration:      c.Expires.UTC(),
	}
}

// staticProvider signs with fixed credentials.
type staticProvider aws.Credentials

func (p staticProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials(p), nil
}

// mfaProcess is the mfa_process that gives the codes of step n: the one of
// the profile that set mfa_serial, else the target's, else the first one
// down the chain (people keep device settings with their user profile).
func mfaProcess(n *node, target *config.Profile) string {
	if n.MFAFrom.MFAProcess != "" {
		return n.MFAFrom.MFAProcess
	}
	if target.MFAProcess != "" {
		return target.MFAProcess
	}
	for s := n; s != nil; s = s.Source {
		if s.Profile != nil && s.Profile.MFAProcess != "" {
			return s.Profile.MFAProcess
		}
	}
	return ""
}
