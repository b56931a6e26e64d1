package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"
)

// aws-vault (7.2.0 and 7.13) fills every setting a profile of the config
// file leaves unset from [default], at the end of its include_profile
// chain, unless that chain passes [default] itself. The AWS CLI, and credo,
// do not. Inherited lists what a profile would lose in the move, and
// AddInherited writes it into the profiles.

// awsVaultInheritedKeys are the settings aws-vault takes from [default]
// that credo reads, in the order aws-vault fills them.
var awsVaultInheritedKeys = []struct {
	k    int
	name string
}{
	{kMFASerial, "mfa_serial"},
	{kRoleARN, "role_arn"},
	{kExternalID, "external_id"},
	{kRegion, "region"},
	{kRoleSessionName, "role_session_name"},
	{kDuration, "duration_seconds"},
	{kSourceProfile, "source_profile"},
	{kSSOSession, "sso_session"},
	{kSSOStartURL, "sso_start_url"},
	{kSSORegion, "sso_region"},
	{kSSOAccountID, "sso_account_id"},
	{kSSORoleName, "sso_role_name"},
	{kWebIdentity, "web_identity_token_file"},
	{kEndpointURL, "endpoint_url"},
	{kSourceIdentity, "source_identity"},
	{kCredentialProcess, "credential_process"},
	{kMFAProcess, "mfa_process"},
	{kSessionTags, "session_tags"},
	{kTransitiveTags, "transitive_session_tags"},
}

// Inherited is one setting aws-vault took from [default] for a profile.
type Inherited struct {
	Profile string
	Key     string
	Value   string
	From    Pos // where [default] sets it; with OwnKeys, where role_arn is set
	// OwnKeys marks "source_profile = <the profile>": aws-vault assumed the
	// profile's role_arn with the profile's own stored keys, and credo
	// needs the source named.
	OwnKeys bool
}

// awsVaultSourceKeys say where a profile's credentials come from. aws-vault
// reads them only for a profile with no stored keys of its own (and SSO,
// web identity and credential_process only for one with no source_profile
// either), so for other profiles taking them from [default] changed
// nothing in aws-vault; written into such a profile, they would change
// what it is in credo and the AWS CLI (a profile with keys turned into an
// SSO profile).
var awsVaultSourceKeys = []int{kSourceProfile, kSSOSession, kSSOStartURL, kSSORegion, kSSOAccountID, kSSORoleName, kWebIdentity, kCredentialProcess}

// Inherited lists, profile by profile in file order, the settings that
// aws-vault would take from [default] for the profiles of the config file
// and credo does not, and that made a difference to aws-vault. stored
// reports whether aws-vault holds keys for a profile (nil: none).
func (c *Config) Inherited(stored func(profile string) bool) []Inherited {
	if len(c.files) == 0 {
		return nil
	}
	var def keyValues
	if j, ok := c.index["default"]; ok {
		c.gather(configSpans(c.recs[j].spans), &def)
	}
	var out []Inherited
	for _, name := range c.order {
		r := &c.recs[c.index[name]]
		spans := configSpans(r.spans)
		if len(spans) == 0 {
			continue // aws-vault reads the config file only
		}
		var kv keyValues
		c.gather(r.spans, &kv)
		// [default] itself, and a profile whose include_profile chain
		// passes it, take nothing more from it.
		from := def
		if name == "default" || c.includesDefault(name, kv.raw[kIncludeProfile]) {
			from = keyValues{}
		}
		_ = c.include(name, &kv)
		hasSource := func() bool {
			src := cmp.Or(kv.raw[kSourceProfile], from.raw[kSourceProfile])
			return src != "" && src != name
		}
		for _, ik := range awsVaultInheritedKeys {
			v := from.raw[ik.k]
			if v == "" || kv.raw[ik.k] != "" || (ik.k == kSourceProfile && v == name) {
				continue
			}
			if slices.Contains(awsVaultSourceKeys, ik.k) {
				if stored != nil && stored(name) {
					continue // aws-vault used the stored keys
				}
				if ik.k != kSourceProfile && hasSource() {
					continue // aws-vault used the source_profile
				}
			}
			out = append(out, Inherited{Profile: name, Key: ik.name, Value: v, From: from.at[ik.k]})
		}
		// aws-vault assumes the role of a profile whose keys it stored with
		// those keys; credo, as the AWS CLI, wants the source named.
		if stored != nil && stored(name) && kv.raw[kSourceProfile] == "" && !hasSource() &&
			kv.raw[kCredentialSource] == "" && kv.raw[kWebIdentity] == "" {
			if kv.raw[kRoleARN] != "" {
				out = append(out, Inherited{Profile: name, Key: "source_profile", Value: name, From: kv.at[kRoleARN], OwnKeys: true})
			} else if from.raw[kRoleARN] != "" {
				out = append(out, Inherited{Profile: name, Key: "source_profile", Value: name, From: from.at[kRoleARN], OwnKeys: true})
			}
		}
	}
	return out
}

// configSpans keeps the spans of the config file (the first file).
func configSpans(spans []span) []span {
	var out []span
	for _, sp := range spans {
		if sp.file == 0 {
			out = append(out, sp)
		}
	}
	return out
}

// includesDefault reports whether the include_profile chain starting at
// inc passes [default].
func (c *Config) includesDefault(name, inc string) bool {
	seen := []string{name}
	for inc != "" && !contains(seen, inc) {
		if inc == "default" {
			return true
		}
		j, ok := c.index[inc]
		if !ok {
			return false
		}
		seen = append(seen, inc)
		var kv keyValues
		c.gather(c.recs[j].spans, &kv)
		inc = kv.raw[kIncludeProfile]
	}
	return false
}

// AddInherited writes each setting of adds as a "key = value" line right
// under its profile's first section header in the config file at path,
// after saving the file as it was to a backup beside it (path.bak-credo-
// and the time, 0600). Every other byte of the file stays as it was. It
// returns the backup's path, "" when there was nothing to add. lock is as
// AppendProfile's.
func AddInherited(path string, adds []Inherited, lock LockFunc, now time.Time) (string, error) {
	if len(adds) == 0 {
		return "", nil
	}
	for _, a := range adds {
		if err := checkKeyValue(a.Key, a.Value); err != nil {
			return "", fmt.Errorf("profile %q: %w", a.Profile, err)
		}
	}
	backup := ""
	_, err := rewriteFile(path, lock, func(target string, data []byte) ([]byte, bool, error) {
		out, err := insertUnderHeaders(target, data, adds)
		if err != nil {
			return nil, false, err
		}
		if backup == "" {
			backup = target + ".bak-credo-" + now.UTC().Format("20060102T150405Z")
			f, err := os.OpenFile(backup, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, fs.ErrExist) {
				return nil, false, fmt.Errorf("backup %s exists already; try again in a second", backup)
			}
			if err != nil {
				return nil, false, err
			}
			_, werr := f.Write(data)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return nil, false, fmt.Errorf("backup %s: %w", backup, werr)
			}
		}
		return out, true, nil
	})
	if err != nil {
		return "", err
	}
	return backup, nil
}

// insertUnderHeaders adds the lines of adds under the first section header
// of each profile in data, in the file's own line endings.
func insertUnderHeaders(path string, data []byte, adds []Inherited) ([]byte, error) {
	f := parseINI(path, string(data), false)
	if len(f.errs) > 0 {
		return nil, fmt.Errorf("%s: the file does not parse (%s); fix it first", path, f.errs[0].Msg)
	}
	headerLine := map[string]int{}
	for i := range f.sections {
		s := &f.sections[i]
		if _, seen := headerLine[s.name]; s.kind == secProfile && !seen {
			headerLine[s.name] = s.line
		}
	}
	eol := []byte("\n")
	if bytes.Contains(data, []byte("\r\n")) {
		eol = []byte("\r\n")
	}
	byLine := map[int][]byte{}
	for _, a := range adds {
		line, ok := headerLine[a.Profile]
		if !ok {
			return nil, fmt.Errorf("%s: no section for profile %q", path, a.Profile)
		}
		byLine[line] = append(append(byLine[line], a.Key+" = "+a.Value...), eol...)
	}
	var out bytes.Buffer
	rest := data
	for n := 1; len(rest) > 0; n++ {
		i := bytes.IndexByte(rest, '\n')
		line := rest
		if i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		out.Write(line)
		if add, ok := byLine[n]; ok {
			if !bytes.HasSuffix(line, []byte("\n")) {
				out.Write(eol)
			}
			out.Write(add)
		}
	}
	return out.Bytes(), nil
}
