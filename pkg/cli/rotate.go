package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/audit"
	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/prompt"
	"github.com/credo-cli/credo/pkg/rotate"
)

// RotateOptions are the inputs of `credo rotate`.
type RotateOptions struct {
	IO      *iostreams.IOStreams
	Store   func() (keystore.Store, error)
	Config  func() (*config.Config, error)
	Getenv  func(string) string
	Environ func() []string
	Now     func() time.Time
	// Prompter returns the MFA prompt driver, asked for a code when the
	// profile has mfa_serial and neither --mfa-token nor mfa_process gives
	// one.
	Prompter func(ykmanAccount string) (prompt.Prompter, error)
	// Lock takes the cross-process lock of a rotation.
	Lock func(ctx context.Context, key string) (func(), error)
	// Clients, when set, replaces the IAM and STS clients (tests).
	Clients func(p *config.Profile) (rotate.IAMAPI, rotate.STSAPI)
	Log     *slog.Logger
	// Audit records the new key; nil records nothing.
	Audit func(audit.Entry)

	Profile  string
	MFAToken string
	// ReadMFAToken reads the code of --mfa-token - from standard input.
	ReadMFAToken func() (string, error)
}

// NewCmdRotate builds `credo rotate`.
func NewCmdRotate(f *Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{IO: f.env.IO, Getenv: f.env.Getenv, Environ: f.env.Environ, Now: f.env.Now, Audit: f.audit}
	cmd := &cobra.Command{
		Use:   "rotate [<profile>]",
		Short: "Replace a profile's stored access key with a new one",
		Long: `Create a new access key for the profile's IAM user, check that it works,
store it in place of the old one, delete the old one from IAM and drop the
profile's cached sessions. It never asks for confirmation.

Each step is first written to a journal in the keyring, so a rotation that
is interrupted at any point is finished or undone by the next
"credo rotate": a key it created but did not store is deleted, and the
stored key always works. IAM allows two keys per user; when the user
already has two, rotate stops and names the one to delete.

When the profile has mfa_serial, the IAM calls are made with an MFA session
(the code comes from --mfa-token, mfa_process or the prompt).`,
		Example: `  # Rotate the keys of the profile "dev"
  $ credo rotate dev

  # With MFA, giving the code
  $ credo rotate dev --mfa-token 123456`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = profileArg(f, args)
			opts.Store = f.Store
			opts.Config = func() (*config.Config, error) { return config.LoadLazily(f.ConfigFiles()) }
			opts.Log = f.log
			opts.Lock = (&lazyLocker{f: f}).Lock
			opts.Prompter = f.Prompter
			opts.ReadMFAToken = f.stdinCode
			if runF != nil {
				return runF(opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.MFAToken, "mfa-token", "t", "", "The MFA `code` to use instead of asking (profiles with mfa_serial; - reads it from standard input)")
	addForeignFlags(cmd.Flags(), awsVaultCommandFlags["rotate"])
	return cmd
}

func rotateRun(ctx context.Context, opts *RotateOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := opts.Config()
	if cfg == nil {
		return err
	}
	p, ok := cfg.Profile(opts.Profile)
	if !ok {
		st, err := opts.Store()
		if err != nil {
			return err
		}
		if err := knownProfile(cfg, st, opts.Profile); err != nil {
			return err
		}
		// Keys may be stored for a profile that the config file lacks
		// (credo add --add-config=false): defaults then.
		p = &config.Profile{Name: opts.Profile}
	}
	if p.IsRole() {
		h := "rotate the profile whose keys are stored"
		if p.SourceProfile != "" {
			h = fmt.Sprintf("rotate its source profile: \"credo rotate %s\"", p.SourceProfile)
		}
		return hint.New(fmt.Sprintf("profile %q assumes a role and has no access key of its own", opts.Profile), h)
	}
	if p.IsSSO() || p.SSOStartURL != "" || p.SSOSession != "" {
		return hint.New(fmt.Sprintf("profile %q signs in with IAM Identity Center and has no access key of its own", opts.Profile),
			"IAM Identity Center credentials are short-lived already; there is nothing to rotate")
	}
	st, err := opts.Store()
	if err != nil {
		return err
	}
	rs, ok := st.(rotate.Store)
	if !ok {
		return fmt.Errorf("%s keyring: cannot keep a key rotation journal", st.Backend())
	}
	r := &rotate.Rotator{
		Store: rs,
		// The old key made this profile's sessions and those of every
		// role built on it.
		DropSessions: func(profile string) (int, error) { return dropSessionsBuiltOn(st, cfg, profile) },
		MFASerial:    p.MFASerial,
		MFACode:      mfaCodeFunc(opts, p),
		Lock:         opts.Lock,
		Now:          opts.Now,
		Progress:     opts.IO.ErrOut,
		Log:          opts.Log,
	}
	if opts.Clients != nil {
		i, s := opts.Clients(p)
		r.NewIAM = func(_ aws.Credentials) rotate.IAMAPI { return i }
		r.NewSTS = func(_ aws.Credentials) rotate.STSAPI { return s }
	} else {
		co := rotate.ClientOptions{Profile: p, Getenv: opts.Getenv}
		r.NewIAM = rotate.NewIAMFunc(co)
		r.NewSTS = rotate.NewSTSFunc(co)
	}
	res, err := r.Rotate(ctx, opts.Profile)
	if err != nil {
		return err
	}
	if opts.Audit != nil && res.NewKeyID != "" {
		e := audit.Entry{Time: opts.Now(), Profile: opts.Profile, Source: audit.SourceCreateAccessKey, AccessKeyID: res.NewKeyID, Via: audit.ViaRotate}
		e.RanBy()
		opts.Audit(e)
	}
	if res.Recovery == rotate.RecoveryFinished {
		fmt.Fprintf(opts.IO.ErrOut, "Finished the interrupted rotation of profile %q.\n", config.Clip(opts.Profile))
	}
	fmt.Fprintf(opts.IO.ErrOut, "Rotated the access key of profile %q: %s is stored in the %s keyring, %s is deleted.\n",
		config.Clip(opts.Profile), res.NewKeyID, st.Backend(), res.OldKeyID)
	if res.SessionsDropped > 0 {
		noun := "sessions"
		if res.SessionsDropped == 1 {
			noun = "session"
		}
		fmt.Fprintf(opts.IO.ErrOut, "Dropped %d cached %s made with the old key.\n", res.SessionsDropped, noun)
	}
	return nil
}

// mfaCodeFunc returns the MFA code source of a rotation: --mfa-token, else
// the profile's mfa_process, else the prompt. Every code is checked first.
func mfaCodeFunc(opts *RotateOptions, p *config.Profile) func(context.Context, string) (string, error) {
	return func(ctx context.Context, serial string) (string, error) {
		var (
			code string
			err  error
		)
		switch {
		case opts.MFAToken != "":
			code = opts.MFAToken
			if code == "-" && opts.ReadMFAToken != nil {
				if code, err = opts.ReadMFAToken(); err != nil {
					return "", fmt.Errorf("--mfa-token: %w", err)
				}
			}
			if err := prompt.ValidCode(code); err != nil {
				return "", fmt.Errorf("--mfa-token: %w", err)
			}
		case p.MFAProcess != "":
			var env []string
			if opts.Environ != nil {
				env = opts.Environ()
			}
			if code, err = prompt.FromProcess(ctx, p.MFAProcess, env); err != nil {
				return "", err
			}
		case opts.Prompter != nil:
			pr, err := opts.Prompter(p.Raw["ykman_account"])
			if err != nil {
				return "", fmt.Errorf("mfa prompt: %w", err)
			}
			msg := fmt.Sprintf("Enter MFA code for %s (profile %q, key rotation): ", serial, p.Name)
			if code, err = pr.MFACode(ctx, serial, msg); err != nil {
				return "", err
			}
		default:
			return "", errors.New("mfa_serial is set and no MFA code source is available")
		}
		if err := prompt.ValidCode(code); err != nil {
			return "", err
		}
		return strings.TrimSpace(code), nil
	}
}
