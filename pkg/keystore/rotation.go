package keystore

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/credo-cli/credo/pkg/keystore/item"
)

// RotationPrefix starts the item name of a key rotation's journal:
// v1/rotate/<profile>, the profile escaped like a key's.
const RotationPrefix = "v1/rotate/"

// Rotation is the journal of one `credo rotate` of a profile: what it meant
// to do and what it has done, written to the keyring before each step that
// changes anything outside it, so that the next rotate can finish or undo an
// interrupted one. It holds a secret (the new key) from the moment IAM hands
// it out until the rotation is over.
type Rotation struct {
	// OldKeyID is the stored key's id when the rotation began.
	OldKeyID string `json:"OldKeyId"`
	// KnownKeyIDs are the user's access key ids when the rotation began,
	// before it created one.
	KnownKeyIDs []string `json:"KnownKeyIds"`
	// UserName is the IAM user whose key is rotated ("" for an account's
	// root user).
	UserName string `json:"UserName"`
	// Started is when the intent was recorded, before CreateAccessKey.
	Started time.Time `json:"Started"`
	// NewKey is the key CreateAccessKey returned; zero until it returned.
	NewKey LongTermKey `json:"NewKey"`
}

// HasNewKey reports whether the journal holds the key IAM created.
func (r Rotation) HasNewKey() bool { return r.NewKey.AccessKeyID != "" }

// RotationStore is a Store that also keeps rotation journals. Every Store
// that Open returns is one.
type RotationStore interface {
	Store
	// GetRotation returns profile's rotation journal; ErrNotFound when no
	// rotation is under way.
	GetRotation(profile string) (Rotation, error)
	// SetRotation writes (or replaces) profile's journal atomically.
	SetRotation(profile string, r Rotation) error
	// RemoveRotation deletes profile's journal without reading it;
	// ErrNotFound when there is none.
	RemoveRotation(profile string) error
	// Rotations lists the profiles with a journal, decrypting nothing.
	Rotations() ([]string, error)
}

var _ RotationStore = (*store)(nil)

// rotationPayload is the JSON of a journal item.
type rotationPayload struct {
	Version int `json:"Version"`
	Rotation
}

func rotationName(profile string) string { return RotationPrefix + item.ProfileSegment(profile) }

// GetRotation returns the rotation journal of profile.
func (s *store) GetRotation(profile string) (Rotation, error) {
	if err := checkProfile(profile); err != nil {
		return Rotation{}, err
	}
	name := rotationName(profile)
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := s.get(name)
	if errors.Is(err, ErrNotFound) {
		return Rotation{}, fmt.Errorf("profile %q: no key rotation under way: %w", profile, ErrNotFound)
	}
	if err != nil {
		return Rotation{}, s.itemError(err, name, profile, "key rotation journal")
	}
	var p rotationPayload
	if detail := decodePayload(data, &p); detail != "" {
		return Rotation{}, corrupt(profile, "key rotation journal", detail)
	}
	if p.OldKeyID == "" {
		return Rotation{}, corrupt(profile, "key rotation journal", "the old key id is missing")
	}
	if (p.NewKey.AccessKeyID == "") != (p.NewKey.SecretAccessKey == "") {
		return Rotation{}, corrupt(profile, "key rotation journal", "the new key id or secret is missing")
	}
	return p.Rotation, nil
}

// SetRotation stores (or replaces) the rotation journal of profile.
func (s *store) SetRotation(profile string, r Rotation) error {
	if err := checkProfile(profile); err != nil {
		return err
	}
	if r.OldKeyID == "" {
		return fmt.Errorf("profile %q: key rotation journal without the old key id", profile)
	}
	if (r.NewKey.AccessKeyID == "") != (r.NewKey.SecretAccessKey == "") {
		return fmt.Errorf("profile %q: key rotation journal with half a new key", profile)
	}
	data, err := json.Marshal(rotationPayload{Version: item.FormatVersion, Rotation: r})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.put(rotationName(profile), data); err != nil {
		return fmt.Errorf("profile %q: storing the key rotation journal: %w", profile, err)
	}
	return nil
}

// RemoveRotation deletes the rotation journal of profile without reading it.
func (s *store) RemoveRotation(profile string) error {
	if err := checkProfile(profile); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.remove(rotationName(profile)); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("profile %q: no key rotation under way: %w", profile, ErrNotFound)
		}
		return fmt.Errorf("profile %q: removing the key rotation journal: %w", profile, err)
	}
	return nil
}

// Rotations lists the profiles with a rotation journal, sorted, reading
// names only.
func (s *store) Rotations() ([]string, error) {
	s.mu.Lock()
	names, err := s.namesWithPrefix(RotationPrefix)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, n := range names {
		rest := n[len(RotationPrefix):]
		if rest == "" || isTmpName(n) || strings.Contains(rest, "/") {
			continue
		}
		if p, ok := item.UnescapeSegment(rest); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}
