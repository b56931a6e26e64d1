package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/keystore"
)

// dropSessionsBuiltOn deletes the cached sessions that were made, directly
// or through a chain of roles, from profile's long-term keys: after those
// keys change or go, no session made from them may be handed out. With no
// readable configuration (cfg nil) only profile's own sessions can be told
// apart; the caller warns about the others.
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

// builtOn reports whether the credentials of target come from profile. A
// chain that no longer resolves cannot be followed: its sessions stay, and
// credo-core will not hand them out while its chain is broken.
func builtOn(cfg *config.Config, target, profile string) bool {
	if target == profile {
		return true
	}
	if cfg == nil {
		return false
	}
	chain, err := cfg.Chain(target)
	if err != nil {
		return false
	}
	for _, p := range chain {
		if p.Name == profile {
			return true
		}
	}
	return false
}

// loadForSessions reads the configuration for dropSessionsBuiltOn and
// warns on w when it cannot be read, since the sessions of roles built on
// profile then stay.
func loadForSessions(load func() (*config.Config, error), w io.Writer, profile string) *config.Config {
	cfg, err := load()
	if cfg == nil || cfg.HasSyntaxErrors() {
		fmt.Fprintf(w, "credo: warning: the AWS config could not be read (%s); sessions of roles built on %q were kept: run \"credo clear\" once it is fixed\n",
			firstLine(fmt.Sprint(err)), config.Clip(profile))
		return nil
	}
	return cfg
}
