package cli

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/cmdline"
	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/keystore/item"
)

// NewCmdImport builds `credo import`, the parent of the importers.
func NewCmdImport(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import <tool>",
		Short: "Copy long-term keys another tool stored into credo's keyring",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdImportAWSVault(f, nil))
	return cmd
}

// ImportAWSVaultOptions are the inputs of `credo import aws-vault`.
type ImportAWSVaultOptions struct {
	IO         *iostreams.IOStreams
	Store      func() (keystore.Store, error)
	OpenSource func(keystore.AWSVaultConfig) (*keystore.AWSVaultStore, error)
	Config     func() (*config.Config, error)
	ConfigPath string
	LockFile   config.LockFunc
	Getenv     func(string) string
	Now        func() time.Time

	Source    keystore.AWSVaultConfig
	Profiles  []string
	Force     bool
	DryRun    bool
	FixConfig bool
}

// NewCmdImportAWSVault builds `credo import aws-vault`.
func NewCmdImportAWSVault(f *Factory, runF func(*ImportAWSVaultOptions) error) *cobra.Command {
	opts := &ImportAWSVaultOptions{IO: f.env.IO, Getenv: f.env.Getenv, Now: f.env.Now, OpenSource: keystore.OpenAWSVault}
	cmd := &cobra.Command{
		Use:   "aws-vault [<profile>...]",
		Short: "Copy the long-term keys aws-vault stored into credo's keyring",
		Long: `Copy the long-term keys aws-vault stored (never its cached sessions or SSO
tokens) into credo's keyring. aws-vault's keyring is only read, never changed.

The keys are read where aws-vault keeps them: the backend AWS_VAULT_BACKEND
names, else the first of aws-vault's backends available here that holds
aws-vault keys, in the folder, collection or keychain aws-vault's own
variables name (AWS_VAULT_FILE_DIR, AWS_VAULT_FILE_PASSPHRASE,
AWS_VAULT_PASS_PASSWORD_STORE_DIR, AWS_VAULT_PASS_CMD, AWS_VAULT_PASS_PREFIX,
AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME, AWS_VAULT_KEYCHAIN_NAME). The flags
below override them. The file keyring's passphrase is asked on the terminal
when AWS_VAULT_FILE_PASSPHRASE is not set.

Without a profile, every profile found is imported. A profile whose keys
credo already holds is left alone (--force replaces its keys). One line per
profile says what happened. A [profile NAME] section is added to the AWS
config file where it is missing.

If an item cannot be read (wrong passphrase, damaged item), nothing at all is
stored. The command also reports what aws-vault read differently from the AWS
config file (settings it inherited from [default]; --fix-config writes them
into each profile, keeping a backup) and the aws-vault variables set in the
environment with credo's equivalents.`,
		Example: `  # Everything aws-vault holds
  $ credo import aws-vault

  # Two profiles, from aws-vault's file keyring
  $ credo import aws-vault dev prod --from-backend file

  # See what would happen
  $ credo import aws-vault --dry-run`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profiles = args
			opts.Store = f.Store
			opts.Config = f.Config
			opts.ConfigPath = f.ConfigFiles().ConfigPath
			opts.LockFile = f.fileLock(cmd.Context())
			opts.Source.Getenv = f.env.Getenv
			opts.Source.FilePassphrase = func() (string, error) {
				if p := f.env.Getenv("AWS_VAULT_FILE_PASSPHRASE"); p != "" {
					return p, nil
				}
				p, err := readSecretFromTTY("Passphrase of aws-vault's file keyring: ")
				if err != nil {
					return "", hint.Wrap(err, "set AWS_VAULT_FILE_PASSPHRASE or run credo import from a terminal")
				}
				return p, nil
			}
			if runF != nil {
				return runF(opts)
			}
			return importAWSVaultRun(opts)
		},
	}
	env := f.env.Getenv
	src := &opts.Source
	src.Backend, src.FileDir, src.PassDir = env("AWS_VAULT_BACKEND"), env("AWS_VAULT_FILE_DIR"), env("AWS_VAULT_PASS_PASSWORD_STORE_DIR")
	src.PassCmd, src.PassPrefix = env("AWS_VAULT_PASS_CMD"), env("AWS_VAULT_PASS_PREFIX")
	src.SecretServiceCollection, src.KeychainName, src.KeyctlScope = env("AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME"), env("AWS_VAULT_KEYCHAIN_NAME"), "user"
	addFlags(cmd.Flags(), cmdline.ImportAWSVault.Flags, map[string]any{
		"force": &opts.Force, "dry-run": &opts.DryRun, "fix-config": &opts.FixConfig,
		"from-backend": &src.Backend, "file-dir": &src.FileDir, "pass-dir": &src.PassDir, "pass-cmd": &src.PassCmd,
		"pass-prefix": &src.PassPrefix, "secret-service-collection": &src.SecretServiceCollection,
		"keychain": &src.KeychainName, "keyctl-scope": &src.KeyctlScope,
	})
	_ = cmd.RegisterFlagCompletionFunc("from-backend", fixedCompletion(keystore.Backends()))
	return cmd
}

// importItem is what import does with one profile.
type importItem struct {
	profile string
	key     keystore.LongTermKey
	skip    string // why it is skipped; "" when it is imported
	replace bool   // credo held keys for it
}

func importAWSVaultRun(opts *ImportAWSVaultOptions) error {
	src, err := opts.OpenSource(opts.Source)
	if err != nil {
		return err
	}
	found, err := src.Profiles()
	if err != nil {
		return err
	}
	names := found
	if len(opts.Profiles) > 0 {
		names = nil
		for _, p := range opts.Profiles {
			if !slices.Contains(found, p) {
				return hint.New(fmt.Sprintf("profile %q: no keys in aws-vault's %s", p, src.Where()),
					"run credo import aws-vault --dry-run to see the profiles it holds")
			}
			if !slices.Contains(names, p) {
				names = append(names, p)
			}
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("aws-vault's %s holds no long-term keys", src.Where())
	}
	store, err := opts.Store()
	if err != nil {
		return err
	}
	held, err := store.KeyProfiles()
	if err != nil {
		return err
	}

	// Read and check every item first: an item that cannot be read stops
	// the import before anything is stored.
	var items []importItem
	for _, p := range names {
		it := importItem{profile: p, replace: slices.Contains(held, p)}
		switch {
		case item.CheckProfile(p) != nil:
			it.skip = "credo cannot store a profile of that name: " + item.CheckProfile(p).Error()
		case config.CheckProfileName(p) != nil:
			it.skip = "the AWS config file cannot hold a profile of that name"
		case it.replace && !opts.Force:
			it.skip = "credo already holds keys for it (--force replaces them)"
		default:
			k, err := src.Key(p)
			switch {
			case errors.Is(err, keystore.ErrAWSVaultTemporary):
				it.skip = "it " + keystore.ErrAWSVaultTemporary.Error()
			case err != nil:
				return err
			default:
				if err := checkKeys(k.AccessKeyID, k.SecretAccessKey); err != nil {
					it.skip = "aws-vault's item is not an IAM user key: " + err.Error()
				}
				it.key = keystore.LongTermKey{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, Added: opts.Now().UTC()}
			}
		}
		items = append(items, it)
	}

	from := "aws-vault's " + src.Where()
	var cfg *config.Config
	for _, it := range items {
		if it.skip != "" {
			fmt.Fprintf(opts.IO.Out, "skipped %s: %s\n", it.profile, it.skip)
			continue
		}
		verb := "imported"
		if it.replace {
			verb = "replaced"
		}
		if !opts.DryRun {
			if err := store.SetKey(it.profile, it.key); err != nil {
				return err // the keystore names the profile and what failed
			}
			if it.replace {
				if cfg == nil {
					cfg = loadForSessions(opts.Config, opts.IO.ErrOut, it.profile)
				}
				if _, err := dropSessionsBuiltOn(store, cfg, it.profile); err != nil {
					return fmt.Errorf("profile %q: keys stored, but old sessions remain: %w", it.profile, err)
				}
			}
		}
		fmt.Fprintf(opts.IO.Out, "%s %s: %s from %s into the %s keyring\n", verb, it.profile, it.key.AccessKeyID, from, store.Backend())
		if opts.ConfigPath == "" {
			continue
		}
		if opts.DryRun {
			if c, err := opts.Config(); c != nil && err == nil && !slices.Contains(c.Names(), it.profile) {
				fmt.Fprintf(opts.IO.ErrOut, "Would add [%s] to %s.\n", sectionName(it.profile), opts.ConfigPath)
			}
			continue
		}
		added, err := config.AppendProfile(opts.ConfigPath, it.profile, nil, opts.LockFile)
		if err != nil {
			return fmt.Errorf("profile %q: keys stored, but the AWS config file was not updated: %w", it.profile, err)
		}
		if added {
			fmt.Fprintf(opts.IO.ErrOut, "Added [%s] to %s.\n", sectionName(it.profile), opts.ConfigPath)
		}
	}
	if opts.DryRun {
		fmt.Fprintln(opts.IO.ErrOut, "Dry run: nothing was stored or changed.")
	}
	return nil
}
