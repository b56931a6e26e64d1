package creds

import (
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
	DefaultMinTTL          = 15 * time.Minute
)

// sourceKind is where the bottom of a chain gets its credentials.
type sourceKind string

const (
	srcStored      sourceKind = "stored"      // long-term keys in the keyring
	srcStatic      sourceKind = "static"      // keys in the AWS files
	srcEnvironment sourceKind = "environment" // credential_source = Environment
	srcProcess     sourceKind = "process"     // credential_process
	srcWebIdentity sourceKind = "web_identity"
)

// nodeKind is what one step of a plan does.
type nodeKind int

const (
	nodeSource      nodeKind = iota // no STS call: keys from the keyring, files, environment or a process
	nodeSession                     // GetSessionToken
	nodeRole                        // AssumeRole
	nodeWebIdentity                 // AssumeRoleWithWebIdentity
)

// node is one step of a plan: how one set of credentials is made from the
// set below it (source).
type node struct {
	kind    nodeKind
	profile *config.Profile // the profile whose step this is; its name keys the cache
	source  *node
	src     sourceKind // for nodeSource: which source

	serial   string          // MFA serial sent with this call ("" = none)
	mfaFrom  *config.Profile // the profile that set serial (its mfa_process applies)
	duration time.Duration   // DurationSeconds sent
	notice   string          // printed when the call is made (duration capped)

	// path is the profile chain from the target down to this step, for
	// error messages: profile "a": source_profile "b": ...
	path []string

	// cacheKey is "" for steps that are not cached.
	cacheKey string
	desc     string // this step's part of the cache key input
}

// longTerm reports whether the node hands out an IAM user's long-term keys.
func (n *node) longTerm() bool {
	return n.kind == nodeSource && (n.src == srcStored || (n.src == srcStatic && n.profile.SessionToken == ""))
}

func (n *node) subject() string {
	var b strings.Builder
	for i, p := range n.path {
		if i == 0 {
			fmt.Fprintf(&b, "profile %q", p)
		} else {
			fmt.Fprintf(&b, ": source_profile %q", p)
		}
	}
	return b.String()
}

func (n *node) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{n.subject()}, args...)...)
}

// ErrNotSupported is returned (wrapped) for sources credo cannot use yet.
var ErrNotSupported = errors.New("not supported yet")

// plan turns a chain of profiles and the options into the steps that make
// the target's credentials. It reads nothing but its arguments and the
// environment through getenv: no keyring, no network.
func plan(chain []*config.Profile, opts Options, getenv func(string) string) (*node, error) {
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

	base := &node{kind: nodeSource, profile: root, path: pathTo(last)}
	// As config.Chain (and botocore) read it, the root assumes its own role
	// only with credential_source or a source_profile naming itself; a
	// source profile with static keys and a role_arn of its own is used for
	// its keys alone.
	rootRole := root.RoleARN != "" && !selfRef &&
		(root.CredentialSource != "" || root.SourceProfile == root.Name)
	if root.RoleARN != "" && last == 0 && root.WebIdentityTokenFile == "" && root.CredentialSource == "" && root.SourceProfile == "" {
		return nil, base.errorf("role_arn has no source: set source_profile, credential_source or web_identity_token_file")
	}
	switch {
	case root.WebIdentityTokenFile != "":
		if root.RoleARN == "" {
			return nil, base.errorf("web_identity_token_file needs role_arn")
		}
		base.kind = nodeWebIdentity
		base.src = srcWebIdentity
		rootRole = false
	case root.CredentialSource != "":
		if root.CredentialSource != "Environment" {
			return nil, base.errorf("credential_source %s: %w (only Environment is)", root.CredentialSource, ErrNotSupported)
		}
		base.src = srcEnvironment
	case root.CredentialProcess != "":
		base.src = srcProcess
	case root.IsSSO() || root.SSOSession != "" || root.SSOStartURL != "":
		return nil, base.errorf("IAM Identity Center (SSO) profiles are %w", ErrNotSupported)
	case root.HasStaticKeys():
		base.src = srcStatic
	default:
		base.src = srcStored
	}
	base.desc = describeSource(base, getenv)

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
			return nil, fmt.Errorf("%s: profile %q has source_profile but no role_arn", (&node{path: pathTo(i)}).subject(), chain[i].Name)
		}
		roles = append(roles, roleAt{chain[i], i})
	}

	if len(roles) == 0 {
		return planTarget(base, root, opts, header)
	}

	cur := base
	if cur.kind == nodeWebIdentity {
		d := root.Duration
		if d == 0 {
			d = DefaultRoleDuration
		}
		if err := checkRange(cur, d, MaxRoleTime, "a role"); err != nil {
			return nil, err
		}
		cur.duration = d
		cur.cacheKey = digest(header, cur.desc+webIdentityDesc(cur))
	}
	keyInput := header + cur.desc
	if cur.kind == nodeWebIdentity {
		keyInput += webIdentityDesc(cur)
	}
	for _, ra := range roles {
		p := ra.p
		isTarget := ra.i == 0
		d := p.Duration
		if isTarget && opts.Duration != 0 {
			d = opts.Duration
		}
		if d == 0 {
			d = DefaultRoleDuration
		}
		n := &node{kind: nodeRole, profile: p, path: pathTo(ra.i), duration: d}
		if err := checkRange(n, d, MaxRoleTime, "a role"); err != nil {
			return nil, err
		}
		source := cur
		chained := !cur.longTerm()
		if p.MFASerial != "" {
			switch {
			case cur.longTerm() && !opts.NoSession && d <= RoleChainingLimit:
				// One MFA session for the source serves every role on it.
				sd := root.Duration
				if sd == 0 {
					sd = DefaultSessionDuration
				}
				s := &node{kind: nodeSession, profile: cur.profile, path: cur.path, source: cur, serial: p.MFASerial, mfaFrom: p, duration: sd}
				if err := checkRange(s, sd, MaxSessionTokenTime, "a session token"); err != nil {
					return nil, err
				}
				s.desc = fmt.Sprintf("step=session profile=%s serial=%s duration=%d\n", s.profile.Name, s.serial, int64(sd/time.Second))
				keyInput += s.desc
				s.cacheKey = digest(keyInput)
				source = s
				chained = true
			default:
				// Straight from the source, with the code on the AssumeRole
				// call itself: long-term keys when more than an hour is
				// asked or --no-session, else a role chain.
				n.serial = p.MFASerial
				n.mfaFrom = p
			}
		}
		if chained && d > RoleChainingLimit {
			n.duration = RoleChainingLimit
			n.notice = fmt.Sprintf("%s: role chaining limits the session to %s; using %s instead of %s",
				n.subject(), fmtDuration(RoleChainingLimit), fmtDuration(RoleChainingLimit), fmtDuration(d))
		}
		n.source = source
		n.desc = describeRole(n)
		keyInput += n.desc
		n.cacheKey = digest(keyInput)
		cur = n
	}
	return cur, nil
}

// planTarget plans a chain whose target is its only source (no role on top).
func planTarget(base *node, p *config.Profile, opts Options, header string) (*node, error) {
	switch {
	case base.kind == nodeWebIdentity:
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
		base.duration = d
		base.cacheKey = digest(header + base.desc + webIdentityDesc(base))
		return base, nil
	case base.longTerm() && !opts.NoSession:
		d := opts.Duration
		if d == 0 {
			d = p.Duration
		}
		if d == 0 {
			d = DefaultSessionDuration
		}
		s := &node{kind: nodeSession, profile: p, path: base.path, source: base, serial: p.MFASerial, mfaFrom: p, duration: d}
		if err := checkRange(s, d, MaxSessionTokenTime, "a session token"); err != nil {
			return nil, err
		}
		s.desc = fmt.Sprintf("step=session profile=%s serial=%s duration=%d\n", p.Name, s.serial, int64(d/time.Second))
		s.cacheKey = digest(header + base.desc + s.desc)
		return s, nil
	}
	// Long-term keys with --no-session, or credentials that are already
	// what the source gives: handed out as they are, never cached.
	return base, nil
}

func checkRange(n *node, d, max time.Duration, what string) error {
	if d < MinDuration {
		return n.errorf("duration %s is below the %s minimum STS allows", fmtDuration(d), fmtDuration(MinDuration))
	}
	if d > max {
		return n.errorf("duration %s is above the %s maximum STS allows for %s", fmtDuration(d), fmtDuration(max), what)
	}
	return nil
}

func describeSource(n *node, getenv func(string) string) string {
	p := n.profile
	s := fmt.Sprintf("step=source kind=%s profile=%s\n", n.src, p.Name)
	switch n.src {
	case srcStatic:
		s += "access_key_id=" + p.AccessKeyID + "\n"
	case srcEnvironment:
		s += "access_key_id=" + orEmpty(getenv)("AWS_ACCESS_KEY_ID") + "\n"
	case srcProcess:
		s += "credential_process=" + p.CredentialProcess + "\n"
	}
	return s
}

func webIdentityDesc(n *node) string {
	p := n.profile
	return fmt.Sprintf("step=web_identity role_arn=%s token_file=%s role_session_name=%s duration=%d\n",
		p.RoleARN, p.WebIdentityTokenFile, p.RoleSessionName, int64(n.duration/time.Second))
}

func describeRole(n *node) string {
	p := n.profile
	var b strings.Builder
	fmt.Fprintf(&b, "step=role profile=%s role_arn=%s serial=%s duration=%d external_id=%q role_session_name=%q source_identity=%q",
		p.Name, p.RoleARN, n.serial, int64(n.duration/time.Second), p.ExternalID, p.RoleSessionName, p.SourceIdentity)
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

// fmtDuration prints 1h, 90m, 15m30s rather than Go's 1h0m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
