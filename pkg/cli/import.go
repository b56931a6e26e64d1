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
			if cmd.Flags().Changed("from-backend") {
				if err := keystore.CheckAWSVaultBackend(opts.Source.Backend); err != nil {
					return &FlagError{err: fmt.Errorf("--from-backend: %w", err)}
				}
			}
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

	// Every key is stored before anything else changes: a config file or
	// a cached session that cannot be updated leaves no profile unimported.
	from := "aws-vault's " + src.Where()
	var imported []importItem
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
		}
		fmt.Fprintf(opts.IO.Out, "%s %s: %s from %s into the %s keyring\n", verb, it.profile, it.key.AccessKeyID, from, store.Backend())
		imported = append(imported, it)
	}
	if err := afterImport(opts, store, imported); err != nil {
		return err
	}
	if err := reportInherited(opts, found); err != nil {
		return err
	}
	reportAWSVaultVars(opts)
	if opts.DryRun {
		fmt.Fprintln(opts.IO.ErrOut, "Dry run: nothing was stored or changed.")
	}
	return nil
}

// afterImport drops the old sessions of the profiles whose keys were
// replaced and adds a section to the AWS config file for each imported
// profile that lacks one (with --dry-run, says which it would add).
func afterImport(opts *ImportAWSVaultOptions, store keystore.Store, imported []importItem) error {
	var errs []error
	if !opts.DryRun {
		var cfg *config.Config
		loaded := false
		for _, it := range imported {
			if !it.replace {
				continue
			}
			if !loaded {
				cfg, loaded = loadForSessions(opts.Config, opts.IO.ErrOut, it.profile), true
			}
			if _, err := dropSessionsBuiltOn(store, cfg, it.profile); err != nil {
				errs = append(errs, fmt.Errorf("profile %q: keys stored, but old sessions remain: %w", it.profile, err))
			}
		}
	}
	if opts.ConfigPath == "" {
		return errors.Join(errs...)
	}
	for _, it := range imported {
		if opts.DryRun {
			if c, err := opts.Config(); c != nil && err == nil && !slices.Contains(c.Names(), it.profile) {
				fmt.Fprintf(opts.IO.ErrOut, "Would add [%s] to %s.\n", sectionName(it.profile), opts.ConfigPath)
			}
			continue
		}
		added, err := config.AppendProfile(opts.ConfigPath, it.profile, nil, opts.LockFile)
		if err != nil {
			// The same file fails for every profile: one line.
			errs = append(errs, fmt.Errorf("keys stored, but the AWS config file was not updated: %w", err))
			break
		}
		if added {
			fmt.Fprintf(opts.IO.ErrOut, "Added [%s] to %s.\n", sectionName(it.profile), opts.ConfigPath)
		}
	}
	return errors.Join(errs...)
}

// reportInherited prints, for each setting aws-vault took from [default]
// and credo does not, the line to add to which section; with --fix-config
// it adds them, keeping a backup of the file. stored are the profiles
// aws-vault holds keys for.
func reportInherited(opts *ImportAWSVaultOptions, stored []string) error {
	if opts.ConfigPath == "" {
		return nil
	}
	cfg, err := opts.Config()
	if cfg == nil || cfg.HasSyntaxErrors() {
		fmt.Fprintf(opts.IO.ErrOut, "credo: warning: the AWS config could not be read (%s); settings aws-vault took from [default] were not checked\n", firstLine(fmt.Sprint(err)))
		return nil
	}
	adds := cfg.Inherited(func(p string) bool { return slices.Contains(stored, p) })
	if len(adds) == 0 {
		return nil
	}
	if opts.FixConfig && !opts.DryRun {
		backup, err := config.AddInherited(opts.ConfigPath, adds, opts.LockFile, opts.Now())
		if err != nil {
			return fmt.Errorf("--fix-config: %w", err)
		}
		for _, a := range adds {
			why := "aws-vault took it from [default]"
			if a.OwnKeys {
				why = "aws-vault assumed its role with its own keys"
			}
			fmt.Fprintf(opts.IO.Out, "added to [%s]: %s = %s (%s)\n", sectionName(a.Profile), a.Key, a.Value, why)
		}
		fmt.Fprintf(opts.IO.Out, "%s was updated; the file as it was is in %s\n", opts.ConfigPath, backup)
		return nil
	}
	for _, a := range adds {
		if a.OwnKeys {
			fmt.Fprintf(opts.IO.Out, "aws-vault assumed the role_arn (%s) of profile %s with its own stored keys; credo needs the source named: add \"%s = %s\" to [%s]\n",
				a.From, a.Profile, a.Key, a.Value, sectionName(a.Profile))
			continue
		}
		fmt.Fprintf(opts.IO.Out, "aws-vault took %s from [default] (%s) for profile %s; credo does not: add \"%s = %s\" to [%s]\n",
			a.Key, a.From, a.Profile, a.Key, a.Value, sectionName(a.Profile))
	}
	if !opts.DryRun {
		fmt.Fprintln(opts.IO.Out, "credo import aws-vault --fix-config adds these lines (and keeps a backup of the file)")
	}
	return nil
}

// awsVaultVars are aws-vault's environment variables and credo's
// equivalents.
var awsVaultVars = []struct{ name, credos string }{
	{"AWS_VAULT_BACKEND", "CREDO_BACKEND (credo import aws-vault reads it as --from-backend)"},
	{"AWS_VAULT_PROMPT", "CREDO_PROMPT"},
	{"AWS_VAULT_FILE_DIR", "CREDO_FILE_DIR (credo import aws-vault reads it as --file-dir)"},
	{"AWS_VAULT_FILE_PASSPHRASE", "CREDO_FILE_PASSPHRASE"},
	{"AWS_VAULT_PASS_PASSWORD_STORE_DIR", "CREDO_PASS_DIR"},
	{"AWS_VAULT_PASS_CMD", "CREDO_PASS_CMD"},
	{"AWS_VAULT_PASS_PREFIX", "CREDO_PASS_PREFIX"},
	{"AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME", "CREDO_SECRET_SERVICE_COLLECTION"},
	{"AWS_VAULT_KEYCHAIN_NAME", "CREDO_KEYCHAIN_NAME"},
	{"AWS_VAULT_DURATION", "none; give -d/--duration, or duration_seconds in the profile"},
	{"AWS_VAULT_STDOUT", "none; give --no-browser (exec, export) or --stdout (login)"},
	{"AWS_VAULT_AUTO_LOGOUT", "none; credo login has no auto-logout"},
	{"AWS_VAULT_PROFILE_ENV", "none; credo exec hands out the credentials themselves"},
	{"AWS_VAULT_BIOMETRICS", "none; credo has no Touch ID unlock"},
	{"AWS_VAULT_DISABLE_HELP_MESSAGE", "none needed"},
	{"AWS_VAULT_YKMAN_VERSION", "none; credo's ykman prompt (CREDO_PROMPT=ykman) asks ykman itself"},
	{"AWS_VAULT_OP_TIMEOUT", "none; credo has no 1Password backend"},
	{"AWS_VAULT_OP_VAULT_ID", "none; credo has no 1Password backend"},
	{"AWS_VAULT_OP_ITEM_TITLE_PREFIX", "none; credo has no 1Password backend"},
	{"AWS_VAULT_OP_ITEM_TAG", "none; credo has no 1Password backend"},
	{"AWS_VAULT_OP_CONNECT_HOST", "none; credo has no 1Password backend"},
	{"AWS_VAULT_OP_CONNECT_TOKEN", "none; credo has no 1Password backend"},
	{"AWS_VAULT_OP_SERVICE_ACCOUNT_TOKEN", "none; credo has no 1Password backend"},
	{"AWS_VAULT_OP_DESKTOP_ACCOUNT_ID", "none; credo has no 1Password backend"},
	{"AWS_VAULT_PROTON_PASS_SHARE_ID", "none; credo has no Proton Pass backend"},
	{"AWS_VAULT_PROTON_PASS_ITEM_TITLE_PREFIX", "none; credo has no Proton Pass backend"},
	{"AWS_VAULT_PROTON_PASS_API_BASE", "none; credo has no Proton Pass backend"},
	{"AWS_VAULT_PROTON_PASS_TIMEOUT", "none; credo has no Proton Pass backend"},
	{"AWS_SESSION_TOKEN_TTL", "-d/--duration of exec and export, or duration_seconds of the profile (session tokens default to 12h)"},
	{"AWS_CACHED_SESSION_TOKEN_TTL", "-d/--duration of exec and export, or duration_seconds of the profile (session tokens default to 12h)"},
	{"AWS_CHAINED_SESSION_TOKEN_TTL", "duration_seconds of the source profile (the MFA session roles share; default 12h)"},
	{"AWS_ASSUME_ROLE_TTL", "-d/--duration, or duration_seconds of the role profile (roles default to 1h)"},
	{"AWS_FEDERATION_TOKEN_TTL", "credo login -d/--duration"},
	{"AWS_MIN_TTL", "CREDO_MIN_TTL (min_ttl in the settings file)"},
	{"AWS_MFA_SERIAL", "mfa_serial in the profile (credo reads no MFA serial from the environment)"},
	{"AWS_ROLE_ARN", "role_arn in the profile (credo reads no role from the environment)"},
	{"AWS_ROLE_SESSION_NAME", "role_session_name in the profile"},
	{"AWS_SESSION_TAGS", "session_tags in the profile"},
	{"AWS_TRANSITIVE_TAGS", "transitive_session_tags in the profile"},
	{"AWS_SOURCE_IDENTITY", "source_identity in the profile"},
}

// reportAWSVaultVars names each aws-vault variable set in the environment
// and credo's equivalent; never a value, which may be a secret.
func reportAWSVaultVars(opts *ImportAWSVaultOptions) {
	for _, v := range awsVaultVars {
		if opts.Getenv(v.name) != "" {
			fmt.Fprintf(opts.IO.Out, "aws-vault's %s is set; credo's equivalent: %s\n", v.name, v.credos)
		}
	}
}
