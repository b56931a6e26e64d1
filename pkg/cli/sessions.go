package cli

import (
	"errors"
	"fmt"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/keystore"
)

// dropSessionsBuiltOn deletes the cached sessions that were made, directly
// or through a chain of roles, from profile's long-term keys: after those
// keys change or go, no session made from them may be handed out. A
// session whose chain cannot be worked out any more is dropped too: it is
// only a cache.
func dropSessionsBuiltOn(store keystore.Store, cfg *config.Config, profile string) (int, error) {
	refs, err := store.Sessions("")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range refs {
		if !builtOn(cfg, r.Profile, profile) {
			continue
		}
		if err := store.RemoveSession(r); err != nil && !errors.Is(err, keystore.ErrNotFound) {
			return n, fmt.Errorf("profile %q: removing a cached session: %w", r.Profile, err)
		}
		n++
	}
	return n, nil
}

// builtOn reports whether the credentials of target come from profile.
func builtOn(cfg *config.Config, target, profile string) bool {
	if target == profile {
		return true
	}
	if cfg == nil {
		return true
	}
	chain, err := cfg.Chain(target)
	if err != nil {
		return true
	}
	for _, p := range chain {
		if p.Name == profile {
			return true
		}
	}
	return false
}
