package cli

// Rules of this file: the sign-in URL is a secret for as long as its token
// lives. It goes to stdout with --stdout, or into a 0600 page that forwards
// the browser to it (the browser's argv names the page, never the URL), and
// nowhere else: not to stderr, the debug log, errors or a command line.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/audit"
	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/login"
)

// loginTarget is what login needs to know about a profile before it gets
// its credentials.
type loginTarget struct {
	Profile *config.Profile // the target profile; nil when unknown
	Kind    login.Kind
	Chained bool // a role assumed with temporary credentials
}

// LoginOptions are the inputs of `credo login`.
type LoginOptions struct {
	IO       *iostreams.IOStreams
	Retrieve func(ctx context.Context, req credRequest) (retrieved, error)
	Target   func(req credRequest) (loginTarget, error)
	// NewSTS builds the STS client for GetCallerIdentity and
	// GetFederationToken, signed with c, for profile p in region.
	NewSTS func(p *config.Profile, region string, c aws.Credentials) login.STSAPI
	// HTTP calls the federation endpoint (nil: login.NewHTTPClient).
	HTTP *http.Client
	// Open opens the URL in a browser.
	Open   func(ctx context.Context, url string) error
	Getenv func(string) string
	Log    func() *slog.Logger
	// Audit records credentials handed out; nil records nothing.
	Audit func(audit.Entry)
	Now   func() time.Time

	Request  credRequest
	Duration time.Duration
	Path     string
	Stdout   bool
}

// NewCmdLogin builds `credo login`.
func NewCmdLogin(f *Factory, runF func(*LoginOptions) error) *cobra.Command {
	getenv := f.env.Getenv
	opts := &LoginOptions{
		IO:       f.env.IO,
		Retrieve: f.retrieve,
		Target:   f.loginTarget,
		NewSTS: func(p *config.Profile, region string, c aws.Credentials) login.STSAPI {
			return login.NewSTS(c, region, creds.STSEndpoint(p, getenv), nil)
		},
		Open:   f.openViaPage(login.Opener(getenv, runtime.GOOS, f.env.IO.ErrOut)),
		Getenv: getenv,
		// The logger is set up after the flags are parsed.
		Log:   func() *slog.Logger { return f.log },
		Audit: f.audit,
		Now:   f.env.Now,
	}
	cmd := &cobra.Command{
		Use:   "login [<profile>]",
		Short: "Open the AWS console signed in as a profile",
		Long: `Open the AWS Management Console in your browser, signed in as a profile,
through the console's federation sign-in.

Role profiles (and SSO and web identity ones) sign in with the role's
credentials. A profile with an IAM user's long-term keys first gets a
GetFederationToken session whose policy allows all that the user may do.
Profiles whose credentials are session tokens (GetSessionToken) cannot sign
in to the console.

The browser is $BROWSER (run with one argument), else the system's opener.
It is handed a local page, readable by you alone and removed after a
minute, that forwards it to the sign-in URL: a command line is visible to
every user of the machine, and the URL signs anyone in who has it, for 15
minutes. --stdout prints the URL instead; treat it as a secret.`,
		Example: `  $ credo login prod
  $ credo login prod --path s3/home --region eu-west-1
  $ credo login prod --stdout | xclip -selection clipboard`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Request.Profile = profileArg(f, args)
			if err := checkDuration(opts.Duration); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addForeignFlags(fl, awsVaultCommandFlags["login"])
	fl.BoolVarP(&opts.Stdout, "stdout", "s", false, "Print the sign-in URL instead of opening it")
	fl.StringVar(&opts.Path, "path", "", "Console `path` (s3/home) or full console URL to open")
	fl.StringVar(&opts.Request.Region, "region", "", "Console `region` (default: the profile's region)")
	fl.DurationVarP(&opts.Duration, "duration", "d", 0, "Console session `duration` (default: the profile's duration_seconds, else 1h)")
	fl.StringVarP(&opts.Request.MFAToken, "mfa-token", "t", "", "MFA `code` to use instead of asking (- reads it from standard input)")
	fl.BoolVarP(&opts.Request.NoSession, "no-session", "n", false, "Assume a role straight from the long-term keys, without an MFA session token (allows console sessions over 1h)")
	return cmd
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	subject := fmt.Sprintf("profile %q", opts.Request.Profile)
	t, err := opts.Target(opts.Request)
	if err != nil {
		return err
	}
	req := opts.Request
	if t.Kind == login.KindUser {
		// GetFederationToken takes the long-term keys themselves.
		req.NoSession = true
	}
	r, err := opts.Retrieve(ctx, req)
	if err != nil {
		return err
	}
	c, region := r.Creds, r.Region
	d := opts.Duration
	if d == 0 && t.Profile != nil {
		d = t.Profile.Duration
	}
	stsRegion := creds.STSRegion(t.Profile, opts.Getenv)
	if (t.Profile == nil || t.Profile.Region == "") && region != "" {
		stsRegion = region
	}
	var log *slog.Logger
	if opts.Log != nil {
		log = opts.Log()
	}
	s := &login.Signer{
		HTTP:   opts.HTTP,
		NewSTS: func(c aws.Credentials) login.STSAPI { return opts.NewSTS(t.Profile, stsRegion, c) },
		Log:    log,
		Notice: opts.IO.ErrOut,
	}
	fallback := opts.Request.Profile
	if t.Profile != nil {
		fallback = t.Profile.Name
	}
	si, err := s.SignIn(ctx, login.Input{
		Subject:      subject,
		Credentials:  c,
		Kind:         t.Kind,
		Chained:      t.Chained,
		FallbackName: fallback,
		Duration:     d,
		Region:       region,
		Path:         opts.Path,
		Endpoint:     opts.Getenv("CREDO_FEDERATION_ENDPOINT"),
	})
	if err != nil {
		return err
	}
	url := si.URL
	if opts.Audit != nil {
		e := auditEntry(opts.Now(), opts.Request.Profile, r, audit.ViaLogin)
		if si.Federated {
			// The console session is the federated user's: its key id is
			// the one CloudTrail records, not the user's own.
			e.Source, e.MFA, e.Roles = audit.SourceGetFederationToken, false, nil
			e.AccessKeyID, e.Expiration = si.AccessKeyID, &si.Expires
		}
		e.RanBy()
		opts.Audit(e)
	}
	if opts.Stdout {
		_, err := fmt.Fprintln(opts.IO.Out, url)
		return err
	}
	if err := opts.Open(ctx, url); err != nil {
		return hint.Wrap(fmt.Errorf("%s: %w", subject, err),
			fmt.Sprintf("run \"credo login %s --stdout\" and open the URL yourself", opts.Request.Profile))
	}
	fmt.Fprintf(opts.IO.ErrOut, "Opened the AWS console for profile %q in the browser.\n", config.Clip(opts.Request.Profile))
	return nil
}

// loginTarget tells what kind of credentials the profile gives, from its
// plan alone: no keyring, no network.
func (f *Factory) loginTarget(req credRequest) (loginTarget, error) {
	cfg, err := config.LoadLazily(f.ConfigFiles())
	if cfg == nil {
		return loginTarget{}, err
	}
	chain, err := cfg.Chain(req.Profile)
	if err != nil {
		return loginTarget{}, err
	}
	t := loginTarget{Profile: chain[0]}
	step, err := plan.Plan(chain, plan.Options{NoSession: req.NoSession}, f.env.Getenv)
	if err != nil {
		// retrieve reports the problem; if it can get credentials after
		// all, GetCallerIdentity tells what they are.
		return t, nil
	}
	t.Kind, t.Chained = loginKind(step)
	f.log.Debug("login plan", "profile", req.Profile, "credentials", t.Kind.String(), "chained", t.Chained)
	return t, nil
}

// loginKind classifies the credentials a plan's top step hands out.
func loginKind(s *plan.Step) (kind login.Kind, chained bool) {
	switch {
	case s.LongTerm():
		return login.KindUser, false
	case s.Kind == plan.KindSession && s.Source != nil && s.Source.LongTerm():
		// A user profile: login asks for the long-term keys instead.
		return login.KindUser, false
	case s.Kind == plan.KindRole:
		return login.KindRole, s.Source == nil || !s.Source.LongTerm()
	case s.Kind == plan.KindWebIdentity, s.Kind == plan.KindSSO:
		// SSO hands out role credentials.
		return login.KindRole, false
	}
	// Keys from the environment, a process or the AWS files with a
	// session token: what they are is asked of STS.
	return login.KindUnknown, false
}
