// Package config reads the AWS shared config and credentials files with the
// AWS CLI's rules and resolves a profile into the chain of sources that
// produce its credentials. Reading never writes; AppendProfile is the one
// writer and it preserves every byte it does not add.
//
// Nothing here reads the process environment: callers pass paths and values in.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/credo-cli/credo/pkg/hint"
)

// Files names the two files to read. Either may not exist.
type Files struct {
	ConfigPath      string // AWS_CONFIG_FILE, default ~/.aws/config
	CredentialsPath string // AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials
}

// DefaultFiles returns the files the AWS CLI reads: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE when set (a leading "~" means home), else
// home/.aws/config and home/.aws/credentials.
func DefaultFiles(getenv func(string) string, home string) Files {
	f := Files{
		ConfigPath:      filepath.Join(home, ".aws", "config"),
		CredentialsPath: filepath.Join(home, ".aws", "credentials"),
	}
	if getenv == nil {
		return f
	}
	if v := getenv("AWS_CONFIG_FILE"); v != "" {
		f.ConfigPath = expandHome(v, home)
	}
	if v := getenv("AWS_SHARED_CREDENTIALS_FILE"); v != "" {
		f.CredentialsPath = expandHome(v, home)
	}
	return f
}

func expandHome(p, home string) string {
	switch {
	case p == "~":
		return home
	case strings.HasPrefix(p, "~/"), os.PathSeparator == '\\' && strings.HasPrefix(p, `~\`):
		return filepath.Join(home, p[2:])
	}
	return p
}

// Config is the parsed content of both files.
type Config struct {
	Files Files
	order []string

	files       [2]*iniFile
	index       map[string]int32 // profile name -> recs
	recs        []profRec
	ssoSessions map[string][]int // [sso-session NAME] -> sections of the config file
	services    map[string][]int // [services NAME] -> sections of the config file
	bare        map[string]bool  // [NAME] sections of the config file (not profiles)

	problems  []*Error            // everything Load reports
	syntax    []*Error            // the file-level part of problems
	byProfile map[string][]*Error // the per-profile part, by profile

	mu sync.Mutex // guards profRec.prof and profRec.checked

	lazy bool // LoadLazily: check profiles when a Chain reaches them
}

// profRec is a profile as Load keeps it: where its keys are. The Profile
// itself is built on first use (see Config.profile): most invocations look
// at one or two profiles, and building a thousand would be most of Load's
// cost.
type profRec struct {
	name   string
	spans  []span // the sections it merges, config file first
	nspans int
	prof   *Profile
	// checked: check has run (Load checks every profile; LoadLazily only
	// those a Chain reaches).
	checked bool
}

// Load reads and checks both files. A file that does not exist counts as
// empty. Any other read failure returns (nil, err).
//
// Load reports every problem it finds, not just the first: the error is a
// single *Error (wrapped with its hint, when it has one) or an Errors list
// of them, in file order, config file first. The Config is returned even
// then, holding everything that parsed, so that a command that needs only
// one profile can go on: Chain reports again the file-level problems and
// those of the profiles in the chain, and nothing else.
func Load(f Files) (*Config, error) {
	var data [2]string
	for i, path := range [2]string{f.ConfigPath, f.CredentialsPath} {
		var err error
		if data[i], err = readIfExists(path); err != nil {
			return nil, err
		}
	}
	return loadData(f, data[0], data[1], false)
}

// LoadLazily is Load for the hot path: it reports syntax problems, and
// leaves the checks of each profile's values to Chain, which runs them for
// the profiles of the chain only. Its error therefore says nothing about
// profiles that are not used; Chain's says all that matters for the one
// that is. With a thousand profiles this is most of Load's cost saved.
func LoadLazily(f Files) (*Config, error) {
	var data [2]string
	for i, path := range [2]string{f.ConfigPath, f.CredentialsPath} {
		var err error
		if data[i], err = readIfExists(path); err != nil {
			return nil, err
		}
	}
	return loadData(f, data[0], data[1], true)
}

// loadData is Load after the files are read.
func loadData(f Files, config, credentials string, lazy bool) (*Config, error) {
	c := &Config{Files: f, lazy: lazy}
	c.files[0] = parseINI(f.ConfigPath, config, false)
	c.files[1] = parseINI(f.CredentialsPath, credentials, true)
	c.build()
	return c, asError(c.problems)
}

func readIfExists(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return "", nil
		}
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			return "", hint.New(fmt.Sprintf("the AWS file %s is a folder, not a file", path),
				"move the folder away, or point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at the file")
		}
		return "", err
	}
	if len(b) == 0 {
		return "", nil
	}
	// The parser keeps substrings of the file; b is never written again,
	// so it can back the string without a copy.
	return unsafe.String(&b[0], len(b)), nil
}

// HasSyntaxErrors reports whether either file failed to parse somewhere,
// in which case Chain refuses every profile.
func (c *Config) HasSyntaxErrors() bool { return len(c.syntax) > 0 }

// Names returns every profile name, in the order first seen (config file first).
func (c *Config) Names() []string { return append([]string(nil), c.order...) }

// Profile returns the named profile and whether it exists in either file.
func (c *Config) Profile(name string) (*Profile, bool) {
	p := c.profile(name)
	return p, p != nil
}

// profile returns the named profile, building it on first use, or nil.
func (c *Config) profile(name string) *Profile {
	i, ok := c.index[name]
	if !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &c.recs[i]
	if r.prof == nil {
		r.prof = c.materialize(r)
	}
	return r.prof
}

// Lookup returns the named profile, or an error naming both files when
// neither has it.
func (c *Config) Lookup(name string) (*Profile, error) {
	if p, ok := c.Profile(name); ok {
		return p, nil
	}
	e := &Error{Msg: `profile ` + q(name) + ` not found in ` + c.where(), Kind: ErrNotFound, Hint: c.missingHint(name)}
	return nil, e.hinted()
}

func (c *Config) where() string {
	return c.Files.ConfigPath + " or " + c.Files.CredentialsPath
}

func (c *Config) missingHint(name string) string {
	if h := c.SectionHint(name); h != "" {
		return h
	}
	return "add a [profile " + Clip(name) + "] section to " + c.Files.ConfigPath
}

// SectionHint is the hint for a profile that the config file has as
// [name], which the AWS tools take for no profile at all; "" otherwise.
func (c *Config) SectionHint(name string) string {
	if c.bare[name] {
		return "use [profile " + Clip(name) + "] instead of [" + Clip(name) + "] in " + c.Files.ConfigPath
	}
	return ""
}

// build gathers the sections of both files into profiles and checks them.
func (c *Config) build() {
	for _, f := range c.files {
		c.syntax = append(c.syntax, f.errs...)
	}

	nsec := 0
	for _, f := range c.files {
		for i := range f.sections {
			if f.sections[i].kind == secProfile {
				nsec++
			}
		}
	}
	c.recs = make([]profRec, 0, nsec)
	c.index = make(map[string]int32, nsec)
	c.order = make([]string, 0, nsec)
	owner := make([]int32, 0, nsec) // the profile of each profile section, in order
	for fi, f := range c.files {
		for i := range f.sections {
			s := &f.sections[i]
			switch s.kind {
			case secProfile:
				j, ok := c.index[s.name]
				if !ok {
					j = int32(len(c.recs))
					c.recs = append(c.recs, profRec{name: s.name})
					c.index[s.name] = j
					c.order = append(c.order, s.name)
				}
				c.recs[j].nspans++
				owner = append(owner, j)
			case secSSOSession:
				if c.ssoSessions == nil {
					c.ssoSessions = map[string][]int{}
				}
				c.ssoSessions[s.name] = append(c.ssoSessions[s.name], i)
			case secServices:
				if c.services == nil {
					c.services = map[string][]int{}
				}
				c.services[s.name] = append(c.services[s.name], i)
			case secOther:
				if fi == 0 {
					if c.bare == nil {
						c.bare = map[string]bool{}
					}
					c.bare[s.name] = true
				}
			}
		}
	}
	// One backing array for every profile's spans.
	spans := make([]span, nsec)
	off := 0
	for j := range c.recs {
		r := &c.recs[j]
		r.spans = spans[off : off : off+r.nspans]
		off += r.nspans
	}
	k := 0
	for fi, f := range c.files {
		for i := range f.sections {
			s := &f.sections[i]
			if s.kind == secProfile {
				r := &c.recs[owner[k]]
				k++
				r.spans = append(r.spans, span{file: fi, line: s.line, lo: s.lo, hi: s.hi})
			}
		}
	}

	if !c.lazy {
		for j := range c.recs {
			c.check(&c.recs[j])
		}
	}

	c.problems = append(append(c.problems, c.syntax...), c.profileProblems()...)
	if len(c.problems) > 1 {
		sort.SliceStable(c.problems, func(i, j int) bool {
			a, b := c.problems[i].Pos, c.problems[j].Pos
			if a.File != b.File {
				return a.File == c.Files.ConfigPath
			}
			return a.Line < b.Line
		})
	}
}

func (c *Config) profileProblems() []*Error {
	var out []*Error
	for _, name := range c.order {
		out = append(out, c.byProfile[name]...)
	}
	return out
}

// Keys with a typed field: indexes into keyValues.
const (
	kRegion = iota
	kSourceProfile
	kRoleARN
	kMFASerial
	kRoleSessionName
	kExternalID
	kDuration
	kSourceIdentity
	kSessionTags
	kTransitiveTags
	kCredentialSource
	kCredentialProcess
	kWebIdentity
	kMFAProcess
	kSSOSession
	kSSOStartURL
	kSSORegion
	kSSOScopes
	kSSOAccountID
	kSSORoleName
	kEndpointURL
	kIgnoreEndpoints
	kServices
	kAccessKeyID
	kSecretAccessKey
	kSessionToken
	kIncludeProfile
	numKeys
)

// keyValues is a profile's typed keys, as the last section setting each
// left them, and where that was.
type keyValues struct {
	raw [numKeys]string
	at  [numKeys]Pos
}

// gather collects the typed keys of a profile from its sections; later keys
// win, so the credentials file's win over the config file's.
func (c *Config) gather(spans []span, kv *keyValues) {
	for _, sp := range spans {
		f := c.files[sp.file]
		for i := sp.lo; i < sp.hi; i++ {
			e := &f.entries[i]
			var k int
			switch f.key(e) {
			case "region":
				k = kRegion
			case "source_profile":
				k = kSourceProfile
			case "role_arn":
				k = kRoleARN
			case "mfa_serial":
				k = kMFASerial
			case "role_session_name":
				k = kRoleSessionName
			case "external_id":
				k = kExternalID
			case "duration_seconds":
				k = kDuration
			case "source_identity":
				k = kSourceIdentity
			case "session_tags":
				k = kSessionTags
			case "transitive_session_tags":
				k = kTransitiveTags
			case "credential_source":
				k = kCredentialSource
			case "credential_process":
				k = kCredentialProcess
			case "web_identity_token_file":
				k = kWebIdentity
			case "mfa_process":
				k = kMFAProcess
			case "sso_session":
				k = kSSOSession
			case "sso_start_url":
				k = kSSOStartURL
			case "sso_region":
				k = kSSORegion
			case "sso_registration_scopes":
				k = kSSOScopes
			case "sso_account_id":
				k = kSSOAccountID
			case "sso_role_name":
				k = kSSORoleName
			case "endpoint_url":
				k = kEndpointURL
			case "ignore_configured_endpoint_urls":
				k = kIgnoreEndpoints
			case "services":
				k = kServices
			case "aws_access_key_id":
				k = kAccessKeyID
			case "aws_secret_access_key":
				k = kSecretAccessKey
			case "aws_session_token":
				k = kSessionToken
			case "include_profile":
				k = kIncludeProfile
			default:
				continue
			}
			kv.raw[k] = f.val(e)
			kv.at[k] = Pos{File: f.path, Line: int(e.line)}
		}
	}
}

// include fills the keys kv leaves unset from the profile its
// include_profile names, and from that one's include_profile in turn, as
// aws-vault reads the config (keys in the AWS files aside: those stay the
// profile's own). name is the profile kv belongs to. It returns the problem
// of the first include that cannot be followed (a missing profile, a
// cycle), nil when there is none.
func (c *Config) include(name string, kv *keyValues) *Error {
	seen := []string{name}
	for kv.raw[kIncludeProfile] != "" {
		inc, at := kv.raw[kIncludeProfile], kv.at[kIncludeProfile]
		kv.raw[kIncludeProfile] = ""
		if contains(seen, inc) {
			return &Error{Pos: at, Profile: name, Kind: ErrCycle,
				Msg: "include_profile cycle " + strings.Join(seen, " -> ") + " -> " + inc}
		}
		j, ok := c.index[inc]
		if !ok {
			return &Error{Pos: at, Profile: name, Kind: ErrNotFound,
				Msg: "include_profile " + q(inc) + " not found in " + c.where(), Hint: c.missingHint(inc)}
		}
		seen = append(seen, inc)
		var ikv keyValues
		c.gather(c.recs[j].spans, &ikv)
		for k := range kv.raw {
			switch k {
			case kAccessKeyID, kSecretAccessKey, kSessionToken:
				continue
			}
			if kv.raw[k] == "" && ikv.raw[k] != "" {
				kv.raw[k], kv.at[k] = ikv.raw[k], ikv.at[k]
			}
		}
	}
	return nil
}

// check validates the values of one profile, allocating nothing when they
// are fine.
func (c *Config) check(r *profRec) {
	r.checked = true
	var kv keyValues
	c.gather(r.spans, &kv)
	if e := c.include(r.name, &kv); e != nil {
		c.addProblem(r.name, e)
	}
	raw, at := &kv.raw, &kv.at
	bad := func(k int, msg string) {
		c.addProblem(r.name, &Error{Pos: at[k], Profile: r.name, Msg: msg, Kind: ErrInvalid})
	}

	if v := raw[kDuration]; v != "" {
		if n, ok := parseDurationSeconds(v); !ok {
			bad(kDuration, `duration_seconds `+q(v)+` is not a whole number of seconds`)
		} else if n < minDurationSeconds || n > maxDurationSeconds {
			bad(kDuration, "duration_seconds "+itoa(n)+" is out of range: want 900 to 43200 seconds (15 minutes to 12 hours)")
		}
	}
	if v := raw[kSessionTags]; v != "" && !validTags(v) {
		bad(kSessionTags, `session_tags `+q(v)+` is not a list of Key=Value pairs separated by commas`)
	}
	if v := raw[kRoleSessionName]; v != "" && !validRoleSessionName(v) {
		bad(kRoleSessionName, `role_session_name `+q(v)+` must be 2 to 64 characters of letters, digits and _+=,.@-`)
	}
	if v := raw[kSourceIdentity]; v != "" && !validSourceIdentity(v) {
		bad(kSourceIdentity, `source_identity `+q(v)+` must be 2 to 64 characters of letters, digits and _+=,.@-`)
	}
	if v := raw[kExternalID]; v != "" && !validExternalID(v) {
		bad(kExternalID, `external_id `+q(v)+` must be 2 to 1224 characters of letters, digits and _+=,.@:/-`)
	}
	if v := raw[kMFASerial]; v != "" && !validMFASerial(v) {
		bad(kMFASerial, `mfa_serial `+q(v)+` is neither an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) nor a hardware token serial number`)
	}
	if v := raw[kRoleARN]; v != "" && !validRoleARN(v) {
		bad(kRoleARN, `role_arn `+q(v)+` is not a role ARN (arn:aws:iam::123456789012:role/NAME)`)
	}
	if v := raw[kCredentialSource]; v != "" {
		if raw[kSourceProfile] != "" {
			k := kSourceProfile
			if at[kCredentialSource].Line > at[k].Line && at[kCredentialSource].File == at[k].File {
				k = kCredentialSource
			}
			bad(k, "source_profile and credential_source are both set: a role takes its source credentials from one of them")
		}
		if !validCredentialSource(v) {
			bad(kCredentialSource, `credential_source `+q(v)+` is not one of Environment, Ec2InstanceMetadata, EcsContainer`)
		}
	}
	if (raw[kAccessKeyID] == "") != (raw[kSecretAccessKey] == "") {
		if raw[kAccessKeyID] != "" {
			bad(kAccessKeyID, "aws_access_key_id is set without aws_secret_access_key")
		} else {
			bad(kSecretAccessKey, "aws_secret_access_key is set without aws_access_key_id")
		}
	}
	if name := raw[kSSOSession]; name != "" {
		if secs, ok := c.ssoSessions[name]; !ok {
			c.addProblem(r.name, &Error{Pos: at[kSSOSession], Profile: r.name, Kind: ErrNotFound,
				Msg:  `sso_session ` + q(name) + `: no [sso-session ` + name + `] section in ` + c.Files.ConfigPath,
				Hint: "add an [sso-session " + name + "] section with sso_start_url and sso_region",
			})
		} else {
			s := c.ssoSession(secs)
			check := func(k int, key, session string, sessionAt Pos) {
				if own := raw[k]; own != "" && session != "" && own != session {
					c.addProblem(r.name, &Error{Pos: at[k], Profile: r.name, Kind: ErrInvalid,
						Msg: key + ` ` + q(own) + ` differs from ` + key + ` ` + q(session) + ` of sso-session ` + q(name) + ` at ` + sessionAt.String(),
					})
				}
			}
			check(kSSOStartURL, "sso_start_url", s.startURL, s.startAt)
			check(kSSORegion, "sso_region", s.region, s.regionAt)
		}
	}
	if name := raw[kServices]; name != "" {
		if _, ok := c.services[name]; !ok {
			c.addProblem(r.name, &Error{Pos: at[kServices], Profile: r.name, Kind: ErrNotFound,
				Msg: `services ` + q(name) + `: no [services ` + name + `] section in ` + c.Files.ConfigPath,
			})
		}
	}
}

// materialize builds the Profile of r with every field filled.
func (c *Config) materialize(r *profRec) *Profile {
	var kv keyValues
	c.gather(r.spans, &kv)
	_ = c.include(r.name, &kv) // check reports its problem
	raw := &kv.raw
	p := &Profile{
		Name:                         r.name,
		Region:                       raw[kRegion],
		SourceProfile:                raw[kSourceProfile],
		RoleARN:                      raw[kRoleARN],
		MFASerial:                    raw[kMFASerial],
		RoleSessionName:              raw[kRoleSessionName],
		ExternalID:                   raw[kExternalID],
		SourceIdentity:               raw[kSourceIdentity],
		CredentialSource:             raw[kCredentialSource],
		CredentialProcess:            raw[kCredentialProcess],
		WebIdentityTokenFile:         raw[kWebIdentity],
		MFAProcess:                   raw[kMFAProcess],
		SSOSession:                   raw[kSSOSession],
		SSOStartURL:                  raw[kSSOStartURL],
		SSORegion:                    raw[kSSORegion],
		SSOAccountID:                 raw[kSSOAccountID],
		SSORoleName:                  raw[kSSORoleName],
		EndpointURL:                  raw[kEndpointURL],
		IgnoreConfiguredEndpointURLs: strings.EqualFold(raw[kIgnoreEndpoints], "true"),
		AccessKeyID:                  raw[kAccessKeyID],
		SecretAccessKey:              raw[kSecretAccessKey],
		SessionToken:                 raw[kSessionToken],
		spans:                        r.spans,
	}
	if n, ok := parseDurationSeconds(raw[kDuration]); ok && n >= minDurationSeconds && n <= maxDurationSeconds {
		p.Duration = time.Duration(n) * time.Second
	}
	if v := raw[kSessionTags]; v != "" && validTags(v) {
		p.SessionTags = parseTags(v)
	}
	if v := raw[kTransitiveTags]; v != "" {
		p.TransitiveSessionTags = splitList(v)
	}
	if v := raw[kSSOScopes]; v != "" {
		p.SSORegistrationScopes = splitList(v)
	}
	if secs, ok := c.ssoSessions[p.SSOSession]; ok && p.SSOSession != "" {
		s := c.ssoSession(secs)
		if s.startURL != "" {
			p.SSOStartURL = s.startURL
		}
		if s.region != "" {
			p.SSORegion = s.region
		}
		if s.scopes != "" {
			p.SSORegistrationScopes = splitList(s.scopes)
		}
	}
	if secs, ok := c.services[raw[kServices]]; ok && raw[kServices] != "" {
		p.Services = c.servicesMap(secs)
	}
	c.fillRaw(p)
	return p
}

// ssoSessionKeys is what a profile takes from its [sso-session NAME].
type ssoSessionKeys struct {
	startURL, region, scopes string
	startAt, regionAt        Pos
}

// ssoSession reads the keys of an sso-session's sections (later wins).
func (c *Config) ssoSession(secs []int) ssoSessionKeys {
	f := c.files[0]
	var s ssoSessionKeys
	for _, si := range secs {
		sec := &f.sections[si]
		for i := sec.lo; i < sec.hi; i++ {
			e := &f.entries[i]
			switch f.key(e) {
			case "sso_start_url":
				s.startURL, s.startAt = f.val(e), f.pos(int(e.line))
			case "sso_region":
				s.region, s.regionAt = f.val(e), f.pos(int(e.line))
			case "sso_registration_scopes":
				s.scopes = f.val(e)
			}
		}
	}
	return s
}

// servicesMap builds service id -> sub-keys from [services NAME] sections.
func (c *Config) servicesMap(secs []int) map[string]map[string]string {
	f := c.files[0]
	out := map[string]map[string]string{}
	for _, si := range secs {
		s := &f.sections[si]
		for i := s.lo; i < s.hi; i++ {
			e := &f.entries[i]
			if e.subHi == e.subLo {
				continue
			}
			key := f.key(e)
			m := out[key]
			if m == nil {
				m = make(map[string]string, int(e.subHi-e.subLo))
				out[key] = m
			}
			for _, sub := range f.subs[e.subLo:e.subHi] {
				m[sub.key] = sub.val
			}
		}
	}
	return out
}

func (c *Config) addProblem(profile string, e *Error) {
	if c.byProfile == nil {
		c.byProfile = map[string][]*Error{}
	}
	c.byProfile[profile] = append(c.byProfile[profile], e)
}

// fillRaw builds p's Raw, Pos and Nested.
func (c *Config) fillRaw(p *Profile) {
	n := 0
	for _, sp := range p.spans {
		n += sp.hi - sp.lo
	}
	p.Raw = make(map[string]string, n)
	p.Pos = make(map[string]Pos, n+1)
	first := p.spans[0]
	p.Pos[""] = Pos{File: c.files[first.file].path, Line: first.line}
	for _, sp := range p.spans {
		f := c.files[sp.file]
		for i := sp.lo; i < sp.hi; i++ {
			e := &f.entries[i]
			key := f.key(e)
			p.Raw[key] = f.val(e)
			p.Pos[key] = Pos{File: f.path, Line: int(e.line)}
			if e.subHi > e.subLo {
				if p.Nested == nil {
					p.Nested = map[string]map[string]string{}
				}
				m := make(map[string]string, int(e.subHi-e.subLo))
				for _, sub := range f.subs[e.subLo:e.subHi] {
					m[sub.key] = sub.val
				}
				p.Nested[key] = m
			} else if p.Nested != nil {
				delete(p.Nested, key)
			}
		}
	}
}
