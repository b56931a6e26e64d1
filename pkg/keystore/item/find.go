package item

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Source is a keyring as FindSession reads it: item names, the data of one
// item, and the error the user sees for an item that cannot be read.
// pkg/keystore/filefast's Reader is one (the file backend, also in the lean
// front); pkg/keystore adapts 99designs/keyring's other backends.
type Source interface {
	// Names lists the names of the items that start with prefix.
	Names(prefix string) ([]string, error)
	// Get returns the data of item name; an error wrapping ErrNotFound
	// when it does not exist.
	Get(name string) ([]byte, error)
	// ItemError turns an error of Get(name) into the error the user sees,
	// for the item of profile that is what ("cached session").
	ItemError(err error, name, profile, what string) error
}

// FindSession returns the cached session of profile and cacheKey that
// expires last, if it is still valid after notAfter. It lists the session
// names (which carry the expiry) and decrypts only the newest valid one (a
// later one only if that item has vanished or holds an earlier expiry than
// its name); temporary items of unfinished writes are ignored. Errors: one
// wrapping ErrNotFound when there is none, ErrCorrupt, or src's.
func FindSession(src Source, profile, cacheKey string, notAfter time.Time) (Session, error) {
	if err := CheckProfile(profile); err != nil {
		return Session{}, err
	}
	names, err := src.Names(SessionDir(profile, cacheKey))
	if err != nil {
		return Session{}, err
	}
	type candidate struct {
		name string
		exp  time.Time
	}
	var cands []candidate
	for _, n := range names {
		if _, _, exp, ok := ParseSessionName(n); ok && exp.After(notAfter) {
			cands = append(cands, candidate{n, exp})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].exp.After(cands[j].exp) })
	for _, c := range cands {
		data, err := src.Get(c.name)
		if errors.Is(err, ErrNotFound) {
			continue // removed by another process since the listing
		}
		if err != nil {
			return Session{}, src.ItemError(err, c.name, profile, "cached session")
		}
		var p SessionPayload
		if detail := DecodePayload(data, &p); detail != "" {
			return Session{}, Corrupt(profile, "cached session", detail)
		}
		if !p.Expiration.After(notAfter) {
			continue
		}
		return p.Session, nil
	}
	return Session{}, fmt.Errorf("profile %q: no cached session: %w", profile, ErrNotFound)
}
