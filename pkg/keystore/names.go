package keystore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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
// Profile names and cache keys are escaped (escapeSegment) so that they
// never contain "/" and names can be parsed back without decrypting
// anything.
const (
	keyPrefix     = "v1/key/"
	sessionPrefix = "v1/session/"
	tmpMark       = "~tmp."
)

// escapeSegment percent-encodes every byte outside [A-Za-z0-9._-], and a
// leading dot, so that a segment is never empty, "." or "..", and never
// holds "/", "%" (unescaped), ";" (keyctl descriptions) or "~" (temporary
// items).
func escapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		plain := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' && i > 0
		if plain {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// unescapeSegment reverses escapeSegment.
func unescapeSegment(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return "", false // not made by escapeSegment, e.g. a temporary item
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

func checkProfile(profile string) error {
	if profile == "" {
		return errors.New("profile name is empty")
	}
	return nil
}

func keyName(profile string) string { return keyPrefix + escapeSegment(profile) }

func sessionDir(profile, cacheKey string) string {
	return sessionPrefix + escapeSegment(profile) + "/" + escapeSegment(cacheKey) + "/"
}

func sessionName(profile, cacheKey string, exp time.Time) string {
	return sessionDir(profile, cacheKey) + strconv.FormatInt(exp.Unix(), 10)
}

// parseKeyName returns the profile of a long-term key item name.
func parseKeyName(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, keyPrefix)
	if !ok || strings.Contains(rest, "/") {
		return "", false
	}
	return unescapeSegment(rest)
}

// parseSessionName returns the reference a session item name stands for.
func parseSessionName(name string) (SessionRef, bool) {
	rest, ok := strings.CutPrefix(name, sessionPrefix)
	if !ok {
		return SessionRef{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return SessionRef{}, false
	}
	profile, ok1 := unescapeSegment(parts[0])
	cacheKey, ok2 := unescapeSegment(parts[1])
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if !ok1 || !ok2 || err != nil {
		return SessionRef{}, false
	}
	return SessionRef{Profile: profile, CacheKey: cacheKey, Expiration: time.Unix(exp, 0), item: name}, true
}

// isTmpName reports whether name is a temporary item of an unfinished write.
func isTmpName(name string) bool {
	i := strings.LastIndexByte(name, '/')
	return strings.HasPrefix(name[i+1:], tmpMark)
}

// tmpName returns a fresh temporary item name next to name.
func tmpName(name string) (string, error) {
	var r [12]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	i := strings.LastIndexByte(name, '/')
	return name[:i+1] + tmpMark + hex.EncodeToString(r[:]), nil
}

// fileEscape is the file name 99designs/keyring's file backend gives to an
// item: the name with "%" and "/" percent-encoded (file.go, filenameEscape).
func fileEscape(name string) string {
	return strings.ReplaceAll(strings.ReplaceAll(name, "%", "%25"), "/", "%2F")
}

// fileUnescape reverses fileEscape (the library decodes any %XX; fileEscape
// produces only %25 and %2F).
func fileUnescape(file string) string {
	if !strings.Contains(file, "%") {
		return file
	}
	var b strings.Builder
	for i := 0; i < len(file); i++ {
		if file[i] == '%' && i+2 < len(file) {
			if v, err := strconv.ParseUint(file[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(file[i])
	}
	return b.String()
}
