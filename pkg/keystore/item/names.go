package item

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Item names. Every name starts with the schema version, so that a later
// format can live next to this one:
//
//	v1/key/<profile>                             a long-term key
//	v1/session/<profile>/<cachekey>/<expiry>     a cached session; expiry in Unix seconds
//	<dir of an item>/~tmp.<random>               a write in progress (file and pass backends)
//
// Profile names and cache keys are escaped (EscapeSegment) so that they
// never contain "/" and names can be parsed back without decrypting
// anything. A profile name whose escaped form is longer than MaxSegment is
// replaced by a fixed-length hash (ProfileSegment), so that no profile
// name is too long for a file name or a key description; the profile is
// then read from the item itself (its payload's Profile).
const (
	KeyPrefix     = "v1/key/"
	SessionPrefix = "v1/session/"
	TmpMark       = "~tmp."
)

// EscapeSegment percent-encodes every byte outside [A-Za-z0-9._-], and a
// leading dot, so that a segment is never empty, "." or "..", and never
// holds "/", "%" (unescaped), ";" (keyctl descriptions) or "~" (temporary
// items).
func EscapeSegment(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		plain := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' && i > 0
		if plain {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// UnescapeSegment reverses EscapeSegment; false when s is not a segment
// EscapeSegment could have made (a temporary item, for one).
func UnescapeSegment(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return "", false
			}
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), true
}

// MaxSegment is the longest escaped profile name kept as it is in item
// names; longer ones are hashed.
const MaxSegment = 96

// hashedMark starts a hashed profile segment. EscapeSegment never writes
// "~", so the two forms cannot meet.
const hashedMark = "~h."

// ProfileSegment is the segment that stands for profile in item names: the
// escaped name, or for a long one "~h." and a hash of it (43 characters in
// all), whatever its length.
func ProfileSegment(profile string) string {
	if e := EscapeSegment(profile); len(e) <= MaxSegment {
		return e
	}
	sum := sha256.Sum256([]byte(profile))
	return hashedMark + hex.EncodeToString(sum[:20])
}

// IsHashedSegment reports whether a profile segment is a hash (see
// ProfileSegment).
func IsHashedSegment(seg string) bool { return strings.HasPrefix(seg, hashedMark) }

// parseProfileSegment returns the profile a segment stands for, or "" and
// hashed true for a hash.
func parseProfileSegment(seg string) (profile string, hashed, ok bool) {
	if IsHashedSegment(seg) {
		return "", true, len(seg) > len(hashedMark)
	}
	p, ok := UnescapeSegment(seg)
	return p, false, ok
}

// CheckProfile refuses an empty profile name.
func CheckProfile(profile string) error {
	if profile == "" {
		return errors.New("profile name is empty")
	}
	return nil
}

// KeyName is the item name of profile's long-term key.
func KeyName(profile string) string { return KeyPrefix + ProfileSegment(profile) }

// SessionDir is the prefix of the item names of profile's sessions cached
// under cacheKey, ending in "/".
func SessionDir(profile, cacheKey string) string {
	return SessionPrefix + ProfileSegment(profile) + "/" + EscapeSegment(cacheKey) + "/"
}

// SessionName is the item name of a session of profile cached under
// cacheKey that expires at exp (whole seconds).
func SessionName(profile, cacheKey string, exp time.Time) string {
	return SessionDir(profile, cacheKey) + strconv.FormatInt(exp.Unix(), 10)
}

// ParseKeyName returns the profile of a long-term key item name. hashed
// is true (and profile "") when the name holds a hash of a long profile
// name (see ProfileSegment).
func ParseKeyName(name string) (profile string, hashed, ok bool) {
	rest, ok := strings.CutPrefix(name, KeyPrefix)
	if !ok || strings.Contains(rest, "/") {
		return "", false, false
	}
	return parseProfileSegment(rest)
}

// ParseSessionName returns the profile, cache key and expiry a session item
// name stands for; false for any other name (temporary items included).
// The profile is "" when the name holds a hash (see ParseKeyName).
func ParseSessionName(name string) (profile, cacheKey string, exp time.Time, ok bool) {
	rest, ok := strings.CutPrefix(name, SessionPrefix)
	if !ok {
		return "", "", time.Time{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return "", "", time.Time{}, false
	}
	profile, _, ok1 := parseProfileSegment(parts[0])
	cacheKey, ok2 := UnescapeSegment(parts[1])
	sec, err := strconv.ParseInt(parts[2], 10, 64)
	if !ok1 || !ok2 || err != nil {
		return "", "", time.Time{}, false
	}
	return profile, cacheKey, time.Unix(sec, 0), true
}

// IsTmpName reports whether name is a temporary item of an unfinished write.
func IsTmpName(name string) bool {
	i := strings.LastIndexByte(name, '/')
	return strings.HasPrefix(name[i+1:], TmpMark)
}

// TmpName returns a fresh temporary item name next to name.
func TmpName(name string) (string, error) {
	var r [12]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	i := strings.LastIndexByte(name, '/')
	return name[:i+1] + TmpMark + hex.EncodeToString(r[:]), nil
}
