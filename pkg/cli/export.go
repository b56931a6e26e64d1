package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/audit"
	"github.com/credo-cli/credo/pkg/cmdline"
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
	opts.Format = "env"
	bind := credentialBindings(&opts.Request)
	bind["format"] = &opts.Format
	addFlags(cmd.Flags(), cmdline.Export.Flags, bind)
	cmd.Flags().Lookup("format").Usage += ": " + strings.Join(exportFormats, ", ")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(exportFormats))
	return cmd
}

// credentialBindings binds the flags that exec and export share (see
// cmdline's tables) to req.
func credentialBindings(req *credRequest) map[string]any {
	return map[string]any{
		"duration":   &req.Duration,
		"no-session": &req.NoSession,
		"mfa-token":  &req.MFAToken,
		"region":     &req.Region,
		"no-browser": &req.NoBrowser,
	}
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
