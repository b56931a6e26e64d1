// Package plan turns a chain of AWS profiles into the steps that make its
// credentials (source keys, GetSessionToken, AssumeRole, web identity) and
// the cache key of each step. It imports only the standard library and
// pkg/config, so that credo's lean front binary can compute the cache key of
// a cached session without linking the AWS SDK; pkg/creds runs the steps.
//
// docs/credentials.md describes the rules; it is part of credo's
// implementation, not a public API.
package plan

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/credo-cli/credo/pkg/config"
)

// STS's limits on DurationSeconds and credo's defaults.
const (
	MinDuration            = 15 * time.Minute // below it STS refuses every call
	MaxSessionTokenTime    = 36 * time.Hour   // GetSessionToken's maximum
	MaxRoleTime            = 12 * time.Hour   // AssumeRole's maximum (a role's max_session_duration)
	RoleChainingLimit      = time.Hour        // a role assumed with temporary credentials
	DefaultRoleDuration    = time.Hour
	DefaultSessionDuration = 12 * time.Hour
)

// Options are the per-request choices of `exec` and `export`.
type Options struct {
	// Duration of the target's credentials; 0 means duration_seconds of the
	// profile, else 1h for roles and 12h for session tokens.
	Duration time.Duration
	// NoSession hands out a user's long-term keys, and assumes roles straight
	// from long-term keys instead of through an MFA session token.
	NoSession bool
}

// SourceKind is where the bottom of a chain gets its credentials.
type SourceKind string

// The sources of a chain's bottom step.
const (
	SourceStored      SourceKind = "stored"      // long-term keys in the keyring
	SourceStatic      SourceKind = "static"      // keys in the AWS files
	SourceEnvironment SourceKind = "environment" // credential_source = Environment
	SourceProcess     SourceKind = "process"     // credential_process
	SourceWebIdentity SourceKind = "web_identity"
	SourceSSO         SourceKind = "sso" // IAM Identity Center: GetRoleCredentials
)

// Kind is what one step of a plan does.
type Kind int

// The kinds of step.
const (
	KindSource      Kind = iota // no STS call: keys from the keyring, files, environment or a process
	KindSession                 // GetSessionToken
	KindRole                    // AssumeRole
	KindWebIdentity             // AssumeRoleWithWebIdentity
	KindSSO                     // IAM Identity Center GetRoleCredentials (signing in when needed)
)

// Step is one step of a plan: how one set of credentials is made from the
// set below it (Source).
type Step struct {
	Kind    Kind
	Profile *config.Profile // the profile whose step this is; its name keys the cache
	Source  *Step
	Src     SourceKind // for KindSource: which source

	Serial   string          // MFA serial sent with this call ("" = none)
	MFAFrom  *config.Profile // the profile that set Serial (its mfa_process applies)
	Duration time.Duration   // DurationSeconds sent
	Notice   string          // printed when the call is made (duration capped)

	// Path is the profile chain from the target down to this step, for
	// error messages: profile "a": source_profile "b": ...
	Path []string

	// CacheKey is "" for steps that are not cached.
	CacheKey string
	desc     string // this step's part of the cache key input
}

// LongTerm reports whether the step hands out an IAM user's long-term keys.
func (n *Step) LongTerm() bool {
	return n.Kind == KindSource && (n.Src == SourceStored || (n.Src == SourceStatic && n.Profile.SessionToken == ""))
}

// Subject names the step in errors: profile "a": source_profile "b".
func (n *Step) Subject() string {
	var b strings.Builder
	for i, p := range n.Path {
		if i == 0 {
			fmt.Fprintf(&b, "profile %q", p)
		} else {
			fmt.Fprintf(&b, ": source_profile %q", p)
		}
	}
	return b.String()
}

// Errorf returns an error whose message starts with the step's Subject.
func (n *Step) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{n.Subject()}, args...)...)
}

// ErrNotSupported is returned (wrapped) for sources credo cannot use yet.
var ErrNotSupported = errors.New("not supported yet")

// Plan turns a chain of profiles and the options into the steps that make
// the target's credentials. It reads nothing but its arguments and the
// environment through getenv: no keyring, no network.
func Plan(chain []*config.Profile, opts Options, getenv func(string) string) (*Step, error) {
	getenv = orEmpty(getenv)
	if len(chain) == 0 {
		return nil, errors.New("no profile to get credentials for")
	}
	for _, p := range chain {
		if p == nil {
			return nil, errors.New("nil profile in chain")
		}
	}
	names := make([]string, len(chain))
	for i, p := range chain {
		names[i] = p.Name
	}
	pathTo := func(i int) []string { return names[:i+1] }

	last := len(chain) - 1
	root := chain[last]
	// A role that names itself as source_profile (keys and role_arn in one
	// profile) may come as [..., p, p]: the last entry is then only the
	// source of the keys.
	selfRef := last > 0 && chain[last-1].Name == root.Name

	header := "credo-cache-v1\nsts_endpoint=" + STSEndpoint(chain[0], getenv) + "\nno_session=" + strconv.FormatBool(opts.NoSession) + "\n"

	base := &Step{Kind: KindSource, Profile: root, Path: pathTo(last)}
	// As config.Chain (and botocore) read it, the root assumes its own role
	// only with credential_source or a source_profile naming itself; a
	// source profile with static keys and a role_arn of its own is used for
	// its keys alone.
	rootRole := root.RoleARN != "" && !selfRef &&
		(root.CredentialSource != "" || root.SourceProfile == root.Name)
	if root.RoleARN != "" && last == 0 && root.WebIdentityTokenFile == "" && root.CredentialSource == "" && root.SourceProfile == "" {
		return nil, base.Errorf("role_arn has no source: set source_profile, credential_source or web_identity_token_file")
	}
	switch {
	case root.WebIdentityTokenFile != "":
		if root.RoleARN == "" {
			return nil, base.Errorf("web_identity_token_file needs role_arn")
		}
		base.Kind = KindWebIdentity
		base.Src = SourceWebIdentity
		rootRole = false
	case root.CredentialSource != "":
		if root.CredentialSource != "Environment" {
			return nil, base.Errorf("credential_source %s: %w (only Environment is)", root.CredentialSource, ErrNotSupported)
		}
		base.Src = SourceEnvironment
	// The AWS CLI's order within a profile: SSO, then keys in the files,
	// then credential_process.
	case root.IsSSO() || root.SSOSession != "" || root.SSOStartURL != "":
		if err := checkSSO(base); err != nil {
			return nil, err
		}
		base.Kind = KindSSO
		base.Src = SourceSSO
	case root.HasStaticKeys():
		base.Src = SourceStatic
	case root.CredentialProcess != "":
		base.Src = SourceProcess
	default:
		base.Src = SourceStored
	}
	base.desc = describeSource(base, getenv)
	if base.Kind == KindSSO {
		// GetRoleCredentials' answer is cached like an STS call's; the
		// duration is the permission set's, not ours to ask.
		base.CacheKey = digest(header + base.desc)
	}

	// Role steps, bottom up.
	type roleAt struct {
		p *config.Profile
		i int
	}
	var roles []roleAt
	if rootRole {
		roles = append(roles, roleAt{root, last})
	}
	for i := last - 1; i >= 0; i-- {
		if chain[i].RoleARN == "" {
			if chain[i].PassesSource() {
				// source_profile without role_arn: the profile passes its
				// source's credentials on (as aws-vault reads it).
				continue
			}
			return nil, fmt.Errorf("%s: profile %q has source_profile but no role_arn", (&Step{Path: pathTo(i)}).Subject(), chain[i].Name)
		}
		roles = append(roles, roleAt{chain[i], i})
	}

	if len(roles) == 0 {
		if last > 0 && chain[0].PassesSource() {
			return planPassThrough(base, chain[0], root, opts, header)
		}
		return planTarget(base, root, opts, header)
	}

	cur := base
	if cur.Kind == KindWebIdentity {
		d := root.Duration
		if d == 0 {
			d = DefaultRoleDuration
		}
		if err := checkRange(cur, d, MaxRoleTime, "a role"); err != nil {
			return nil, err
		}
		cur.Duration = d
		cur.CacheKey = digest(header, cur.desc+webIdentityDesc(cur))
	}
	keyInput := header + cur.desc
	if cur.Kind == KindWebIdentity {
		keyInput += webIdentityDesc(cur)
	}
	top := roles[len(roles)-1].i // the target, or the role a pass-through target takes
	for _, ra := range roles {
		p := ra.p
		isTarget := ra.i == top
		d := p.Duration
		if isTarget && opts.Duration != 0 {
			d = opts.Duration
		}
		if d == 0 {
			d = DefaultRoleDuration
		}
		n := &Step{Kind: KindRole, Profile: p, Path: pathTo(ra.i), Duration: d}
		if err := checkRange(n, d, MaxRoleTime, "a role"); err != nil {
			return nil, err
		}
		source := cur
		chained := !cur.LongTerm()
		if p.MFASerial != "" {
			switch {
			case cur.LongTerm() && !opts.NoSession && d <= RoleChainingLimit:
				// One MFA session for the source serves every role on it.
				sd := root.Duration
				if sd == 0 {
					sd = DefaultSessionDuration
				}
				s := &Step{Kind: KindSession, Profile: cur.Profile, Path: cur.Path, Source: cur, Serial: p.MFASerial, MFAFrom: p, Duration: sd}
				if err := checkRange(s, sd, MaxSessionTokenTime, "a session token"); err != nil {
					return nil, err
				}
				s.desc = fmt.Sprintf("step=session profile=%s serial=%s duration=%d\n", s.Profile.Name, s.Serial, int64(sd/time.Second))
				keyInput += s.desc
				s.CacheKey = digest(keyInput)
				source = s
				chained = true
			default:
				// Straight from the source, with the code on the AssumeRole
				// call itself: long-term keys when more than an hour is
				// asked or --no-session, else a role chain.
				n.Serial = p.MFASerial
				n.MFAFrom = p
			}
		}
		if chained && d > RoleChainingLimit {
			n.Duration = RoleChainingLimit
			n.Notice = fmt.Sprintf("%s: role chaining limits the session to %s; using %s instead of %s",
				n.Subject(), FormatDuration(RoleChainingLimit), FormatDuration(RoleChainingLimit), FormatDuration(d))
		}
		n.Source = source
		n.desc = describeRole(n)
		keyInput += n.desc
		n.CacheKey = digest(keyInput)
		cur = n
	}
	return cur, nil
}

// planPassThrough plans a target with source_profile and no role_arn
// whose chain has no role: the source's long-term keys get a session token
// of the target's own (MFA from the target's own mfa_serial only, as in
// aws-vault, which asks no code for such a profile without one), cached
// under the target's name; any other source's credentials are handed out
// as they are.
func planPassThrough(base *Step, target, root *config.Profile, opts Options, header string) (*Step, error) {
	if !base.LongTerm() || opts.NoSession {
		return planTarget(base, root, opts, header)
	}
	d := cmp.Or(opts.Duration, target.Duration, root.Duration, DefaultSessionDuration)
	return sessionStep(base, target, d, header)
}

// sessionStep is the GetSessionToken step that p (its MFA serial, its name
// in the cache key) takes over base's long-term keys for d.
func sessionStep(base *Step, p *config.Profile, d time.Duration, header string) (*Step, error) {
	s := &Step{Kind: KindSession, Profile: p, Path: base.Path, Source: base, Serial: p.MFASerial, MFAFrom: p, Duration: d}
	if err := checkRange(s, d, MaxSessionTokenTime, "a session token"); err != nil {
		return nil, err
	}
	s.desc = fmt.Sprintf("step=session profile=%s serial=%s duration=%d\n", p.Name, s.Serial, int64(d/time.Second))
	s.CacheKey = digest(header + base.desc + s.desc)
	return s, nil
}

// planTarget plans a chain whose target is its only source (no role on top).
func planTarget(base *Step, p *config.Profile, opts Options, header string) (*Step, error) {
	switch {
	case base.Kind == KindSSO:
		return base, nil
	case base.Kind == KindWebIdentity:
		d := opts.Duration
		if d == 0 {
			d = p.Duration
		}
		if d == 0 {
			d = DefaultRoleDuration
		}
		if err := checkRange(base, d, MaxRoleTime, "a role"); err != nil {
			return nil, err
		}
		base.Duration = d
		base.CacheKey = digest(header + base.desc + webIdentityDesc(base))
		return base, nil
	case base.LongTerm() && !opts.NoSession:
		return sessionStep(base, p, cmp.Or(opts.Duration, p.Duration, DefaultSessionDuration), header)
	}
	// Long-term keys with --no-session, or credentials that are already
	// what the source gives: handed out as they are, never cached.
	return base, nil
}

func checkRange(n *Step, d, max time.Duration, what string) error {
	if d < MinDuration {
		return n.Errorf("duration %s is below the %s minimum STS allows", FormatDuration(d), FormatDuration(MinDuration))
	}
	if d > max {
		return n.Errorf("duration %s is above the %s maximum STS allows for %s", FormatDuration(d), FormatDuration(max), what)
	}
	return nil
}

func describeSource(n *Step, getenv func(string) string) string {
	p := n.Profile
	s := fmt.Sprintf("step=source kind=%s profile=%s\n", n.Src, p.Name)
	switch n.Src {
	case SourceStatic:
		s += "access_key_id=" + p.AccessKeyID + "\n"
	case SourceEnvironment:
		s += "access_key_id=" + getenv("AWS_ACCESS_KEY_ID") + "\n"
	case SourceProcess:
		s += "credential_process=" + p.CredentialProcess + "\n"
	case SourceSSO:
		s += fmt.Sprintf("sso_start_url=%q sso_region=%q sso_account_id=%q sso_role_name=%q sso_endpoint=%q sso_oidc_endpoint=%q\n",
			p.SSOStartURL, p.SSORegion, p.SSOAccountID, p.SSORoleName,
			p.ServiceEndpoint("SSO", "sso", getenv), p.ServiceEndpoint("SSO_OIDC", "sso_oidc", getenv))
	}
	return s
}

// checkSSO reports the keys an IAM Identity Center profile lacks.
func checkSSO(n *Step) error {
	if missing := n.Profile.MissingSSOKeys(); len(missing) > 0 {
		return n.Errorf("IAM Identity Center (SSO) profile lacks %s", strings.Join(missing, ", "))
	}
	return nil
}

func webIdentityDesc(n *Step) string {
	p := n.Profile
	return fmt.Sprintf("step=web_identity role_arn=%s token_file=%s role_session_name=%s duration=%d\n",
		p.RoleARN, p.WebIdentityTokenFile, p.RoleSessionName, int64(n.Duration/time.Second))
}

func describeRole(n *Step) string {
	p := n.Profile
	var b strings.Builder
	fmt.Fprintf(&b, "step=role profile=%s role_arn=%s serial=%s duration=%d external_id=%q role_session_name=%q source_identity=%q",
		p.Name, p.RoleARN, n.Serial, int64(n.Duration/time.Second), p.ExternalID, p.RoleSessionName, p.SourceIdentity)
	keys := make([]string, 0, len(p.SessionTags))
	for k := range p.SessionTags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString(" tags=")
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%q;", k, p.SessionTags[k])
	}
	b.WriteString(" transitive=")
	for _, k := range p.TransitiveSessionTags {
		fmt.Fprintf(&b, "%q;", k)
	}
	b.WriteString("\n")
	return b.String()
}

// digest is the cache key: hex of the first 16 bytes of SHA-256.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// FormatDuration prints 1h, 90m, 15m30s rather than Go's 1h0m0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
