package item

import (
	"crypto/rand"
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
// anything.
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

// CheckProfile refuses an empty profile name.
func CheckProfile(profile string) error {
	if profile == "" {
		return errors.New("profile name is empty")
	}
	return nil
}

// KeyName is the item name of profile's long-term key.
func KeyName(profile string) string { return KeyPrefix + EscapeSegment(profile) }

// SessionDir is the prefix of the item names of profile's sessions cached
// under cacheKey, ending in "/".
func SessionDir(profile, cacheKey string) string {
	return SessionPrefix + EscapeSegment(profile) + "/" + EscapeSegment(cacheKey) + "/"
}

// SessionName is the item name of a session of profile cached under
// cacheKey that expires at exp (whole seconds).
func SessionName(profile, cacheKey string, exp time.Time) string {
	return SessionDir(profile, cacheKey) + strconv.FormatInt(exp.Unix(), 10)
}

// ParseKeyName returns the profile of a long-term key item name.
func ParseKeyName(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, KeyPrefix)
	if !ok || strings.Contains(rest, "/") {
		return "", false
	}
	return UnescapeSegment(rest)
}

// ParseSessionName returns the profile, cache key and expiry a session item
// name stands for; false for any other name (temporary items included).
func ParseSessionName(name string) (profile, cacheKey string, exp time.Time, ok bool) {
	rest, ok := strings.CutPrefix(name, SessionPrefix)
	if !ok {
		return "", "", time.Time{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return "", "", time.Time{}, false
	}
	profile, ok1 := UnescapeSegment(parts[0])
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
