package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/audit"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/output"
)

// ExportOptions are the inputs of `credo export`.
type ExportOptions struct {
	IO       *iostreams.IOStreams
	Retrieve func(ctx context.Context, req credRequest) (retrieved, error)
	// Audit records credentials handed out; nil records nothing.
	Audit   func(audit.Entry)
	Now     func() time.Time
	Request credRequest
	Format  string
}

var exportFormats = output.Formats

// NewCmdExport builds `credo export`.
func NewCmdExport(f *Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.env.IO, Retrieve: f.retrieve, Audit: f.audit, Now: f.env.Now}
	cmd := &cobra.Command{
		Use:   "export [<profile>]",
		Short: "Print temporary credentials for a profile",
		Long: `Print temporary credentials for a profile, in one of these formats:

  env         KEY=value lines
  sh          export KEY='value' lines for bash and zsh
  fish        set -gx KEY 'value' lines
  powershell  $Env:KEY = 'value' lines
  json        the credential_process format of the AWS SDKs
  ini         a section of the AWS credentials file

Credentials go to standard output; prompts go to the terminal, so the json
format works as a credential_process, MFA included.`,
		Example: `  # Load credentials into this shell
  $ eval "$(credo export prod --format sh)"

  # Let every AWS SDK ask credo (in ~/.aws/config)
  [profile prod-sdk]
  credential_process = credo export --format json prod`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Request.Profile = profileArg(f, args)
			if err := refuseAWSVaultFormat(opts.Format); err != nil {
				return err
			}
			if !contains(exportFormats, opts.Format) {
				return flagErrorf("unknown format %q (valid: %s)", opts.Format, strings.Join(exportFormats, ", "))
			}
			if err := checkDuration(opts.Request.Duration); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "env", "Output `format`: "+strings.Join(exportFormats, ", "))
	addCredentialFlags(cmd, &opts.Request)
	addForeignFlags(cmd.Flags(), awsVaultCommandFlags["export"])
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(exportFormats))
	return cmd
}

// addCredentialFlags adds the flags that exec and export share.
func addCredentialFlags(cmd *cobra.Command, req *credRequest) {
	fl := cmd.Flags()
	fl.DurationVarP(&req.Duration, "duration", "d", 0, "Session `duration` (default: the profile's duration_seconds, else 1h for roles, 12h for session tokens)")
	fl.BoolVarP(&req.NoSession, "no-session", "n", false, "Use the long-term keys directly, without a session token")
	fl.StringVarP(&req.MFAToken, "mfa-token", "t", "", "MFA `code` to use instead of asking (- reads it from standard input)")
	fl.StringVar(&req.Region, "region", "", "AWS `region` to hand out (default: the profile's region)")
	fl.BoolVar(&req.NoBrowser, "no-browser", false, "For SSO sign-in: print the URL and code, open nothing")
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	r, err := opts.Retrieve(ctx, opts.Request)
	if err != nil {
		return err
	}
	if opts.Audit != nil {
		via, format := audit.ExportVia(opts.Format)
		e := auditEntry(opts.Now(), opts.Request.Profile, r, via)
		e.Format = format
		e.RanBy()
		opts.Audit(e)
	}
	return output.Write(opts.IO.Out, opts.Format, opts.Request.Profile, r.output(), r.Region)
}
