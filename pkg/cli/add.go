package cli

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/cmdline"
	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/doctor"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore"
)

// AddOptions are the inputs of `credo add`.
type AddOptions struct {
	IO         *iostreams.IOStreams
	Store      func() (keystore.Store, error)
	Config     func() (*config.Config, error)
	ConfigPath string
	// LockFile locks an AWS file against other credo processes while the
	// config section is added.
	LockFile  config.LockFunc
	Getenv    func(string) string
	Now       func() time.Time
	AskLine   func(question string) (string, error)
	AskSecret func(question string) (string, error)
	Confirm   func(question string) (bool, error)
	// Identify asks STS who a key is (GetCallerIdentity signed with it),
	// for --verify.
	Identify  func(id, secret string) (arn string, err error)
	CanPrompt bool
	Profile   string
	FromEnv   bool
	AddConfig bool
	Force     bool
	Verify    bool
	// Region goes into the new config section; on a terminal, add offers
	// to write one when the flag is not given.
	Region string
}

// NewCmdAdd builds `credo add`.
func NewCmdAdd(f *Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{
		IO:        f.env.IO,
		Getenv:    f.env.Getenv,
		Now:       f.env.Now,
		AskLine:   readLineFromTTY,
		AskSecret: readSecretFromTTY,
		Confirm:   confirmOnTTY,
	}
	cmd := &cobra.Command{
		Use:   "add [<profile>]",
		Short: "Store long-term IAM user keys for a profile in the keyring",
		Long: `Store an IAM user's access key id and secret access key in the keyring.

The keys are read from the terminal (the secret is not echoed), from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with --env, or, when standard
input is not a terminal, from its first two lines. Both are checked before
anything is stored. A [profile NAME] section is added to the AWS config file
when it has none, with the region of --region; on a terminal, add asks for
one (Enter keeps AWS_REGION's, or none). A profile's region is what exec and
export hand out; a role profile does not take its source_profile's.`,
		Example: `  # Type the keys at the prompts
  $ credo add dev

  # Take them from the environment
  $ credo add dev --env

  # Pipe them in from a password manager
  $ printf '%s\n%s\n' "$ID" "$SECRET" | credo add dev`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = profileArg(f, args)
			opts.Store = f.Store
			opts.Config = f.lazyConfig
			opts.ConfigPath = f.ConfigFiles().ConfigPath
			opts.LockFile = f.fileLock(cmd.Context())
			opts.CanPrompt = f.env.IO.IsStdinTTY()
			opts.Identify = func(id, secret string) (string, error) {
				var p *config.Profile
				if cfg, _ := f.lazyConfig(); cfg != nil {
					p, _ = cfg.Profile(opts.Profile)
				}
				return callerARN(cmd.Context(), p, f.env.Getenv, id, secret)
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.FromEnv, "env", false, "Read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	cmd.Flags().BoolVar(&opts.AddConfig, "add-config", true, "Add a [profile NAME] section to the AWS config file when missing")
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Replace stored keys without asking")
	cmd.Flags().StringVar(&opts.Region, "region", "", "The `region` to write in the new config section")
	cmd.Flags().BoolVar(&opts.Verify, "verify", false, "Prove the key works (STS GetCallerIdentity) before storing it; warn about a root user's key")
	return cmd
}

var (
	accessKeyIDPattern = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
	secretKeyPattern   = regexp.MustCompile(`^[A-Za-z0-9/+]{40}$`)
)

// checkKeys validates the shape of a long-term key pair. The messages never
// contain the secret.
func checkKeys(id, secret string) error {
	switch {
	case id == "":
		return errors.New("no access key id given")
	case strings.HasPrefix(id, "ASIA"):
		return hint.New("access key id "+id+" is a temporary (ASIA) key",
			"credo stores long-term IAM user keys, which start with AKIA; it makes temporary keys itself")
	case !accessKeyIDPattern.MatchString(id):
		return hint.New(fmt.Sprintf("access key id %q is not an IAM user key id", id),
			"an access key id is 20 upper-case letters and digits starting with AKIA")
	case secret == "":
		return errors.New("no secret access key given")
	case !secretKeyPattern.MatchString(secret):
		return hint.New(fmt.Sprintf("secret access key is not 40 characters of letters, digits, / and + (got %d characters)", len(secret)),
			"paste the secret exactly as IAM showed it")
	}
	return nil
}

func addRun(opts *AddOptions) error {
	id, secret, err := readKeys(opts)
	if err != nil {
		return err
	}
	if err := checkKeys(id, secret); err != nil {
		return err
	}
	if opts.Verify {
		arn, err := opts.Identify(id, secret)
		if err != nil {
			return hint.Wrap(fmt.Errorf("profile %q: key %s does not work: %w", opts.Profile, id, err),
				"check the key in the IAM console (is it active, is it this account's?); nothing was stored")
		}
		fmt.Fprintf(opts.IO.ErrOut, "Verified key %s: it works, as %s.\n", id, arn)
		if doctor.IsRoot(arn) {
			fmt.Fprintf(opts.IO.ErrOut, "credo: warning: key %s belongs to the root user of its account\ncredo: hint: %s\n", id, doctor.RootAdvice)
		}
	}
	// Refuse a name the config file cannot hold before anything is stored.
	if opts.AddConfig {
		if err := config.CheckProfileName(opts.Profile); err != nil {
			return hint.Wrap(err, "choose another name, or add --add-config=false to store the keys without a config section")
		}
	}
	region, err := newSectionRegion(opts)
	if err != nil {
		return err
	}
	store, err := opts.Store()
	if err != nil {
		return err
	}
	if _, err := store.GetKey(opts.Profile); err == nil && !opts.Force {
		if !opts.CanPrompt {
			return hint.New(fmt.Sprintf("profile %q already has stored keys", opts.Profile),
				fmt.Sprintf("add --force to replace them, or run \"credo remove %s\" first", opts.Profile))
		}
		ok, err := opts.Confirm(fmt.Sprintf("Profile %q already has stored keys. Replace them?", opts.Profile))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("nothing changed")
		}
	} else if err != nil && !errors.Is(err, keystore.ErrNotFound) && !opts.Force {
		// An unreadable item can be replaced, but only on purpose.
		return hint.Wrap(err, fmt.Sprintf("add --force to replace the unreadable item, or run \"credo remove %s\"", opts.Profile))
	}
	if err := store.SetKey(opts.Profile, keystore.LongTermKey{AccessKeyID: id, SecretAccessKey: secret, Added: opts.Now().UTC()}); err != nil {
		return err // the keystore names the profile and what failed
	}
	// Sessions made from the old keys, this profile's and those of every
	// role built on it, would outlive them; drop them.
	cfg := loadForSessions(opts.Config, opts.IO.ErrOut, opts.Profile)
	if _, err := dropSessionsBuiltOn(store, cfg, opts.Profile); err != nil {
		return fmt.Errorf("keys stored, but old sessions remain: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Added keys %s for profile %q to the %s keyring.\n", id, config.Clip(opts.Profile), store.Backend())
	if opts.AddConfig && opts.ConfigPath != "" {
		var keys [][2]string
		if region != "" {
			keys = [][2]string{{"region", region}}
		}
		added, err := config.AppendProfile(opts.ConfigPath, opts.Profile, keys, opts.LockFile)
		if err != nil {
			return fmt.Errorf("keys stored, but the AWS config file was not updated: %w", err)
		}
		if added {
			fmt.Fprintf(opts.IO.ErrOut, "Added [%s] to %s.\n", sectionName(opts.Profile), opts.ConfigPath)
		}
	}
	return nil
}

func sectionName(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + profile
}

func readKeys(opts *AddOptions) (id, secret string, err error) {
	switch {
	case opts.FromEnv:
		id = strings.TrimSpace(opts.Getenv("AWS_ACCESS_KEY_ID"))
		secret = strings.TrimSpace(opts.Getenv("AWS_SECRET_ACCESS_KEY"))
		if id == "" || secret == "" {
			return "", "", hint.New("--env: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set", "export both, or run credo add without --env to type them")
		}
		return id, secret, nil
	case opts.CanPrompt:
		if id, err = opts.AskLine("Access key ID: "); err != nil {
			return "", "", err
		}
		if secret, err = opts.AskSecret("Secret access key: "); err != nil {
			return "", "", err
		}
		return id, secret, nil
	default:
		sc := bufio.NewScanner(opts.IO.In)
		var lines []string
		for len(lines) < 2 && sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				lines = append(lines, l)
			}
		}
		if err := sc.Err(); err != nil {
			return "", "", fmt.Errorf("reading keys from standard input: %w", err)
		}
		if len(lines) < 2 {
			return "", "", hint.New("standard input must hold two lines: the access key id, then the secret access key", "or use --env, or run credo add in a terminal")
		}
		return lines[0], lines[1], nil
	}
}

// profileArg is the profile named on the command line, else $AWS_PROFILE,
// else "default".
func profileArg(f *Factory, args []string) string {
	var named string
	if len(args) > 0 {
		named = args[0]
	}
	return cmdline.Profile(named, f.env.Getenv)
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// newSectionRegion is the region to write in the config section add is
// about to create: --region, else, on a terminal, the answer to a question
// whose default is AWS_REGION (or AWS_DEFAULT_REGION). "" writes none. A
// profile that has a section already keeps it as it is.
func newSectionRegion(opts *AddOptions) (string, error) {
	if !opts.AddConfig || opts.ConfigPath == "" {
		if opts.Region != "" {
			return "", flagErrorf("--region writes the new config section; it cannot be used with --add-config=false")
		}
		return "", nil
	}
	if cfg, _ := opts.Config(); cfg != nil {
		if _, ok := cfg.Profile(opts.Profile); ok {
			if opts.Region != "" {
				return "", hint.New(fmt.Sprintf("profile %q has a config section already; add does not change it", opts.Profile),
					"set its region in "+opts.ConfigPath+" yourself")
			}
			return "", nil
		}
	}
	region := opts.Region
	if region == "" && opts.CanPrompt {
		def := opts.Getenv("AWS_REGION")
		if def == "" {
			def = opts.Getenv("AWS_DEFAULT_REGION")
		}
		question := fmt.Sprintf("Region for profile %q (Enter for none): ", opts.Profile)
		if def != "" {
			question = fmt.Sprintf("Region for profile %q [%s]: ", opts.Profile, def)
		}
		answer, err := opts.AskLine(question)
		if err != nil {
			return "", err
		}
		if region = strings.TrimSpace(answer); region == "" {
			region = def
		}
	}
	if region != "" && !regionPattern.MatchString(region) {
		return "", hint.New(fmt.Sprintf("%q is not an AWS region", region), "a region looks like eu-west-1 or us-east-1")
	}
	return region, nil
}
