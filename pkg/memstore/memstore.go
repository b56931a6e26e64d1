// Package memstore keeps what credo holds in memory between its processes:
// cached sessions (temporary credentials, never long-term keys) and the
// keys of unlocked file keyrings. On Linux it is the kernel's key retention
// service: keys of type "user" in a keyring of credo's, linked into the
// session keyring of the login, readable only by the processes of that
// login (possessor permissions), each with a timeout after which the kernel
// drops it. Nothing is written to disk, no process has to run, and logging
// out (or a reboot) forgets everything. See docs/architecture.md for why,
// and for the way to macOS and Windows; elsewhere every call reports
// ErrUnavailable and credo falls back to its keyring.
//
// It imports only the standard library, golang.org/x/sys and credo's lean
// item package, so that credo's front binary serves sessions from it with a
// handful of system calls and no keyring backend at all.
//
// It is part of credo's implementation, not a public API.
package memstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/keystore/item"
	"github.com/credo-cli/credo/pkg/settings"
)

// ErrUnavailable is returned (wrapped) when memory cannot be used: another
// operating system, a kernel or container that forbids the key calls, a
// full quota. The reason follows it in the error's text.
var ErrUnavailable = errors.New("memory store unavailable")

// RingName is the description of credo's keyring in the session keyring.
// It differs from the keyctl backend's ("credo" in the user keyring), so the
// two never meet.
const RingName = "credo:memory"

// Description prefixes of the keys in credo's keyring.
const (
	sessionPrefix = "credo:s:"
	unlockPrefix  = "credo:k:"
)

// Namespace names the store a session was made for (a backend and where it
// keeps its items), so that a session is never handed out for another
// keyring's keys. parts are joined without ambiguity and hashed.
func Namespace(parts ...string) string {
	// "<length>:<part>;" each, written without fmt (the front's hot path).
	b := make([]byte, 0, 256)
	for _, p := range parts {
		b = strconv.AppendInt(b, int64(len(p)), 10)
		b = append(append(append(b, ':'), p...), ';')
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// sessionDesc is the key description of a session: a hash of the profile
// and the cache key, so that its length never depends on the profile name's.
func sessionDesc(ns, profile, cacheKey string) string {
	b := strconv.AppendInt(make([]byte, 0, 128), int64(len(profile)), 10)
	b = append(append(append(append(b, ':'), profile...), ';'), cacheKey...)
	sum := sha256.Sum256(b)
	return sessionPrefix + ns + ":" + hex.EncodeToString(sum[:16])
}

// A session key holds, in this order, the profile, the cache key, the key
// id, the secret key and the session token, each as "<length>:<bytes>",
// then the expiry in Unix seconds, after a line naming the format. It is
// not JSON: encoding/json's first use costs a fresh process about 80 µs,
// a twentieth of the whole hot path.
const payloadMagic = "credo-session/1\n"

type payload struct {
	Profile, CacheKey string
	item.Session
}

func encodeSession(profile, cacheKey string, s item.Session) ([]byte, error) {
	b := []byte(payloadMagic)
	for _, f := range []string{profile, cacheKey, s.AccessKeyID, s.SecretAccessKey, s.SessionToken} {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	return strconv.AppendInt(b, s.Expiration.Unix(), 10), nil
}

func decodeSession(data []byte) (payload, bool) {
	rest, ok := strings.CutPrefix(string(data), payloadMagic)
	if !ok {
		return payload{}, false
	}
	var f [5]string
	for i := range f {
		n, after, ok := strings.Cut(rest, ":")
		size, err := strconv.Atoi(n)
		if !ok || err != nil || size < 0 || size > len(after) {
			return payload{}, false
		}
		f[i], rest = after[:size], after[size:]
	}
	exp, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || f[0] == "" {
		return payload{}, false
	}
	return payload{Profile: f[0], CacheKey: f[1], Session: item.Session{
		AccessKeyID: f[2], SecretAccessKey: f[3], SessionToken: f[4], Expiration: time.Unix(exp, 0),
	}}, true
}

// Entry is a session held in memory.
type Entry struct {
	Profile  string
	CacheKey string
	Session  item.Session
}

// ttlSeconds is the timeout of a key that must live until t.
func ttlSeconds(d time.Duration) uint {
	if d <= 0 {
		return 1
	}
	return uint((d + time.Second - 1) / time.Second)
}

// isSession reports whether desc is a session key of namespace ns ("" for any).
func isSession(desc, ns string) bool {
	return strings.HasPrefix(desc, sessionPrefix+ns)
}

// Stats says what Lock forgot.
type Stats struct {
	Sessions int // sessions held in memory
	Unlocked int // unlocked keyrings
}

// StoreNamespace is the namespace of the sessions made with the keyring
// that set selects: both binaries compute it from the same settings, so
// the front serves exactly the sessions credo-core would, and a session is
// never handed out for another backend or folder. It is made from the
// settings as given (an unset backend is "auto"), not from what a backend
// resolves to, so that the front needs no backend to compute it.
func StoreNamespace(set *settings.Settings, getenv func(string) string) string {
	fileDir := filefast.Folder(set.FileDir, getenv)
	if d, err := filefast.ExpandTilde(fileDir, getenv); err == nil {
		fileDir = filepath.Clean(d)
	}
	backend := set.Backend
	if backend == "" {
		backend = "auto"
	}
	return Namespace(backend, fileDir, set.PassDir, getenv("PASSWORD_STORE_DIR"), getenv("HOME"), set.PassPrefix,
		set.SecretServiceCollection, set.KeychainName)
}
