package keystore

import (
	"strings"
	"time"

	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/keystore/item"
)

// Item names are defined in package item (see its names.go); these short
// forms keep this package's code readable.
const (
	keyPrefix     = item.KeyPrefix
	sessionPrefix = item.SessionPrefix
	tmpMark       = item.TmpMark
)

func checkProfile(profile string) error { return item.CheckProfile(profile) }

func keyName(profile string) string { return item.KeyName(profile) }

func sessionName(profile, cacheKey string, exp time.Time) string {
	return item.SessionName(profile, cacheKey, exp)
}

// parseKeyName returns the profile of a key item name; hashed names (long
// profile names, see item.ProfileSegment) give hashed true.
func parseKeyName(name string) (profile string, hashed, ok bool) { return item.ParseKeyName(name) }

// parseSessionName returns the reference a session item name stands for;
// its Profile is "" when the name holds a hash of it.
func parseSessionName(name string) (SessionRef, bool) {
	profile, cacheKey, exp, ok := item.ParseSessionName(name)
	if !ok {
		return SessionRef{}, false
	}
	seg := strings.SplitN(strings.TrimPrefix(name, sessionPrefix), "/", 2)[0]
	return SessionRef{Profile: profile, CacheKey: cacheKey, Expiration: exp, item: name, seg: seg}, true
}

func isTmpName(name string) bool { return item.IsTmpName(name) }

func tmpName(name string) (string, error) { return item.TmpName(name) }

// fileEscape is the file name 99designs/keyring's file backend gives to an
// item (see filefast.FileName).
func fileEscape(name string) string { return filefast.FileName(name) }
