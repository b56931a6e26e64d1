package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore"
)

// RemoveOptions are the inputs of `credo remove`.
type RemoveOptions struct {
	IO        *iostreams.IOStreams
	Store     func() (keystore.Store, error)
	Config    func() (*config.Config, error)
	Confirm   func(question string) (bool, error)
	CanPrompt bool
	Profile   string
	Force     bool
}

// NewCmdRemove builds `credo remove`.
func NewCmdRemove(f *Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{IO: f.env.IO, Confirm: confirmOnTTY}
	cmd := &cobra.Command{
		Use:     "remove [<profile>]",
		Aliases: []string{"rm"},
		Short:   "Delete the stored keys and cached sessions of a profile",
		Long: `Delete a profile's long-term keys and cached sessions from the keyring.
It asks first unless --force is given. The AWS config file is left alone.`,
		Example:           `  $ credo remove dev --force`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Profile = profileArg(f, args)
			opts.Store = f.Store
			opts.Config = f.lazyConfig
			opts.CanPrompt = f.env.IO.IsStdinTTY() || f.env.IO.IsStderrTTY()
			if runF != nil {
				return runF(opts)
			}
			return removeRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Do not ask for confirmation")
	addForeignFlags(cmd.Flags(), awsVaultCommandFlags["remove"])
	return cmd
}

func removeRun(opts *RemoveOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	names, err := store.KeyProfiles()
	if err != nil {
		return err
	}
	hasKey := contains(names, opts.Profile)
	refs, err := store.Sessions(opts.Profile)
	if err != nil {
		return err
	}
	if !hasKey && len(refs) == 0 {
		if cfg, _ := opts.Config(); cfg == nil || !cfg.HasSyntaxErrors() {
			if err := knownProfile(cfg, store, opts.Profile); err != nil {
				return err
			}
		}
		return hint.New(fmt.Sprintf("profile %q has no stored keys or sessions", opts.Profile), "run \"credo list\" to see what is stored")
	}
	if !opts.Force {
		if !opts.CanPrompt {
			return hint.New(fmt.Sprintf("not removing profile %q without confirmation", opts.Profile), "add --force to remove without asking")
		}
		ok, err := opts.Confirm(fmt.Sprintf("Delete the stored keys and sessions of profile %q?", opts.Profile))
		if err != nil {
			return hint.Wrap(err, "add --force to remove without asking")
		}
		if !ok {
			return errors.New("nothing removed")
		}
	}
	cfg := loadForSessions(opts.Config, opts.IO.ErrOut, opts.Profile)
	dropped, err := dropSessionsBuiltOn(store, cfg, opts.Profile)
	if err != nil {
		return err
	}
	if hasKey {
		if err := store.RemoveKey(opts.Profile); err != nil && !errors.Is(err, keystore.ErrNotFound) {
			return fmt.Errorf("profile %q: removing stored keys: %w", opts.Profile, err)
		}
	}
	// A rotation journal belongs to the keys: without them it means nothing.
	// A new key it recorded but never stored stays in IAM: say which.
	if rs, ok := store.(keystore.RotationStore); ok {
		if j, err := rs.GetRotation(opts.Profile); err == nil && j.HasNewKey() {
			fmt.Fprintf(opts.IO.ErrOut, "credo: warning: an unfinished rotation of profile %q created access key %s, which stays in IAM: delete it with \"aws iam delete-access-key --access-key-id %s\"\n",
				config.Clip(opts.Profile), j.NewKey.AccessKeyID, j.NewKey.AccessKeyID)
		}
		if err := rs.RemoveRotation(opts.Profile); err != nil && !errors.Is(err, keystore.ErrNotFound) {
			return fmt.Errorf("profile %q: removing the key rotation journal: %w", opts.Profile, err)
		}
	}
	what := "no keys"
	if hasKey {
		what = "keys"
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed profile %q from the %s keyring (%s, %d cached sessions made from them).\n",
		config.Clip(opts.Profile), store.Backend(), what, dropped)
	return nil
}
