package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore"
)

// ClearOptions are the inputs of `credo clear`.
type ClearOptions struct {
	IO      *iostreams.IOStreams
	Store   func() (keystore.Store, error)
	Config  func() (*config.Config, error)
	Profile string // "" for all
}

// NewCmdClear builds `credo clear`.
func NewCmdClear(f *Factory, runF func(*ClearOptions) error) *cobra.Command {
	opts := &ClearOptions{IO: f.env.IO}
	cmd := &cobra.Command{
		Use:   "clear [<profile>]",
		Short: "Delete cached sessions (never long-term keys)",
		Long: `Delete cached temporary credentials: all of them, or those of one profile.
Long-term keys stay. The AWS CLI's SSO token cache is left alone.`,
		Example: `  # Forget every cached session
  $ credo clear

  # Only the sessions of one profile
  $ credo clear prod`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Profile = args[0]
			}
			opts.Store = f.Store
			opts.Config = f.lazyConfig
			if runF != nil {
				return runF(opts)
			}
			return clearRun(opts)
		},
	}
	return cmd
}

func clearRun(opts *ClearOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	refs, err := store.Sessions(opts.Profile)
	if err != nil {
		return err
	}
	if opts.Profile != "" && len(refs) == 0 {
		// A mistyped name fails as it does everywhere, rather than
		// clearing nothing. The files' syntax errors are not clear's business.
		cfg, _ := opts.Config()
		if err := knownProfile(cfg, store, opts.Profile); err != nil {
			return err
		}
	}
	n := 0
	for _, r := range refs {
		if err := store.RemoveSession(r); err != nil && !errors.Is(err, keystore.ErrNotFound) {
			return fmt.Errorf("profile %q: removing a cached session: %w", r.Profile, err)
		}
		n++
	}
	what := "all profiles"
	if opts.Profile != "" {
		what = fmt.Sprintf("profile %q", config.Clip(opts.Profile))
	}
	fmt.Fprintf(opts.IO.ErrOut, "Cleared %d cached sessions of %s.\n", n, what)
	return nil
}
