package config

import "strings"

// Value rules for the keys credo checks before any network call. They are
// STS's and IAM's documented constraints, written as loops rather than
// regular expressions because Load runs them for every profile on every
// invocation.

const (
	minDurationSeconds = 900   // 15 minutes, STS's floor for AssumeRole
	maxDurationSeconds = 43200 // 12 hours, the most a role's maximum session can be
)

// Allowed credential_source values.
var credentialSources = [...]string{"Environment", "Ec2InstanceMetadata", "EcsContainer"}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isSTSNameChar reports whether c is in [\w+=,.@-], the set STS allows in
// role session names and IAM in user and role names.
func isSTSNameChar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '_', '+', '=', ',', '.', '@', '-':
		return true
	}
	return false
}

// charsIn reports whether s is min..max bytes, each accepted by ok.
func charsIn(s string, min, max int, ok func(byte) bool) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// validRoleSessionName: 2..64 of [\w+=,.@-].
func validRoleSessionName(s string) bool { return charsIn(s, 2, 64, isSTSNameChar) }

// validSourceIdentity: same rule as role session names.
func validSourceIdentity(s string) bool { return charsIn(s, 2, 64, isSTSNameChar) }

// validExternalID: 2..1224 of [\w+=,.@:/-].
func validExternalID(s string) bool {
	return charsIn(s, 2, 1224, func(c byte) bool { return isSTSNameChar(c) || c == ':' || c == '/' })
}

// validMFASerial accepts a virtual MFA device ARN
// (arn:aws[-a-z]*:iam::<12 digits>:mfa/[PATH/]NAME) or a hardware token's
// serial number (9..256 of [\w+=/:,.@-]). Anything starting with "arn:" must
// be a well-formed ARN.
func validMFASerial(s string) bool {
	if len(s) >= 4 && s[:4] == "arn:" {
		rest, ok := iamARNPrefix(s)
		if !ok || len(rest) < 4 || rest[:4] != "mfa/" {
			return false
		}
		return validIAMPathName(rest[4:], 512)
	}
	return charsIn(s, 9, 256, func(c byte) bool { return isSTSNameChar(c) || c == '/' || c == ':' })
}

// validRoleARN accepts arn:PARTITION:iam::<12 digits>:role/[PATH/]NAME.
func validRoleARN(s string) bool {
	rest, ok := iamARNPrefix(s)
	if !ok || len(rest) < 5 || rest[:5] != "role/" {
		return false
	}
	return validIAMPathName(rest[5:], 512)
}

// iamARNPrefix checks "arn:aws[-a-z]*:iam::<12 digits>:" and returns what follows.
func iamARNPrefix(s string) (string, bool) {
	if len(s) < 4 || s[:4] != "arn:" {
		return "", false
	}
	s = s[4:]
	// Partition: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ...
	if len(s) < 3 || s[:3] != "aws" {
		return "", false
	}
	i := 3
	for i < len(s) && (s[i] == '-' || 'a' <= s[i] && s[i] <= 'z') {
		i++
	}
	s = s[i:]
	if len(s) < 6 || s[:6] != ":iam::" {
		return "", false
	}
	s = s[6:]
	if len(s) < 13 {
		return "", false
	}
	for i := 0; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	if s[12] != ':' {
		return "", false
	}
	return s[13:], true
}

// validIAMPathName checks "[PATH/]NAME": a name of 1..64 of [\w+=,.@-]
// after an optional path of printable ASCII segments.
func validIAMPathName(s string, maxPath int) bool {
	slash := -1
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			slash = i
			break
		}
	}
	name := s[slash+1:]
	if !charsIn(name, 1, 64, isSTSNameChar) {
		return false
	}
	if slash < 0 {
		return true
	}
	path := s[:slash]
	if len(path)+2 > maxPath {
		return false
	}
	prev := byte('/')
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c < 0x21 || c > 0x7e || c == '/' && prev == '/' {
			return false
		}
		prev = c
	}
	return path != ""
}

// parseDurationSeconds parses a whole number of seconds. ok is false when s
// is not one; the range is checked by the caller.
func parseDurationSeconds(s string) (n int, ok bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func validCredentialSource(s string) bool {
	for _, v := range credentialSources {
		if s == v {
			return true
		}
	}
	return false
}

// splitList splits "a, b,c" into trimmed, non-empty items.
func splitList(s string) []string {
	var out []string
	for s != "" {
		item := s
		if i := strings.IndexByte(s, ','); i >= 0 {
			item, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if item = trimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// validTags reports whether s is "K1=V1,K2=V2": every item has an "=" after
// a non-empty key.
func validTags(s string) bool {
	for s != "" {
		item := s
		if i := strings.IndexByte(s, ','); i >= 0 {
			item, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if trimSpace(item) == "" {
			continue
		}
		eq := strings.IndexByte(item, '=')
		if eq < 0 || trimSpace(item[:eq]) == "" {
			return false
		}
	}
	return true
}

// parseTags parses "K1=V1,K2=V2", which validTags accepted.
func parseTags(s string) map[string]string {
	items := splitList(s)
	tags := make(map[string]string, len(items))
	for _, it := range items {
		k, v, _ := strings.Cut(it, "=")
		tags[trimSpace(k)] = trimSpace(v)
	}
	return tags
}
