package config

import (
	"strconv"
	"strings"
)

// MaxChain is the most profiles a chain may hold, the target included: real
// chains have a handful, and each step is an STS call.
const MaxChain = 32

// Chain resolves a profile into the profiles that produce its credentials:
// [target, its source_profile, ..., root]. It follows source_profile as
// botocore does:
//
//   - A profile with role_arn (and no web_identity_token_file) assumes that
//     role. Its source is credential_source (the chain ends there), or
//     source_profile (the chain goes on), and it must have one of them.
//   - source_profile naming the profile itself ends the chain at that
//     profile: its own long-term keys (in the files, or in credo's
//     keyring) are the source for its role.
//   - A source profile that holds static keys in the files is a root even
//     when it also has role_arn: botocore uses the keys and ignores the role.
//   - A profile with source_profile and no role_arn, and no source of its
//     own, passes its source's credentials on (as aws-vault reads it; see
//     Profile.PassesSource): the chain goes on.
//   - Anything else is a root: static keys, credential_process,
//     web_identity_token_file, SSO, or nothing in the files at all (its
//     long-term keys are in the keyring).
//
// A target that is in neither file is not an error: Chain returns
// []*Profile{{Name: name}}, a profile whose keys can only be in the
// keyring (see Profile.Defined and Lookup). An unknown source_profile is an
// error.
//
// Errors name the file and line and the chain walked so far. Chain also
// returns the file-level problems Load found (a broken section header may
// have hidden keys of any profile) and Load's problems for every profile in
// the chain.
func (c *Config) Chain(name string) ([]*Profile, error) {
	if len(c.syntax) > 0 {
		return nil, asError(c.syntax)
	}
	p := c.profile(name)
	if p == nil {
		return []*Profile{{Name: name}}, nil
	}
	chain := []*Profile{p}
	names := []string{p.Name}
	var errs []*Error
	errs = c.chainProblems(errs, p.Name, names)
	for (p.assumesRole() && p.CredentialSource == "") || p.PassesSource() {
		src := p.SourceProfile
		if src == "" {
			errs = append(errs, &Error{
				Pos: p.at("role_arn", c), Profile: p.Name, Chain: clone(names), Kind: ErrNoSource,
				Msg: "role_arn has no source: set source_profile, credential_source or web_identity_token_file",
			})
			break
		}
		if src == p.Name {
			break
		}
		next := c.profile(src)
		if next == nil {
			errs = append(errs, &Error{
				Pos: p.at("source_profile", c), Profile: p.Name, Chain: clone(names), Kind: ErrNotFound,
				Msg:  `source_profile ` + q(src) + ` not found in ` + c.where(),
				Hint: c.missingHint(src),
			})
			break
		}
		if len(chain) == MaxChain {
			errs = append(errs, &Error{
				Pos: p.at("source_profile", c), Profile: p.Name, Chain: clone(names), Kind: ErrTooLong,
				Msg:  "source_profile chain longer than " + strconv.Itoa(MaxChain) + " profiles",
				Hint: "shorten the chain: point source_profile at a profile nearer its root",
			})
			break
		}
		if contains(names, src) {
			errs = append(errs, &Error{
				Pos: p.at("source_profile", c), Profile: p.Name, Kind: ErrCycle,
				Msg: "source_profile cycle " + strings.Join(names, " -> ") + " -> " + src,
			})
			break
		}
		chain = append(chain, next)
		names = append(names, src)
		errs = c.chainProblems(errs, src, names)
		p = next
		if p.HasStaticKeys() {
			break
		}
	}
	if len(errs) > 0 {
		return nil, asError(errs)
	}
	return chain, nil
}

// chainProblems appends Load's problems of profile, each with the chain.
func (c *Config) chainProblems(errs []*Error, profile string, names []string) []*Error {
	if c.lazy {
		c.mu.Lock()
		if j, ok := c.index[profile]; ok && !c.recs[j].checked {
			c.check(&c.recs[j])
		}
		c.mu.Unlock()
	}
	for _, e := range c.byProfile[profile] {
		cp := *e
		cp.Chain = clone(names)
		errs = append(errs, &cp)
	}
	return errs
}

// at returns where key was last set for p (the header when it was not).
func (p *Profile) at(key string, c *Config) Pos {
	var pos Pos
	for _, sp := range p.spans {
		f := c.files[sp.file]
		if pos.File == "" {
			pos = f.pos(sp.line)
		}
		for i := sp.lo; i < sp.hi; i++ {
			if f.key(&f.entries[i]) == key {
				pos = f.pos(int(f.entries[i].line))
			}
		}
	}
	return pos
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func clone(s []string) []string { return append([]string(nil), s...) }
