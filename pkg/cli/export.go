package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/iostreams"
)

// ExportOptions are the inputs of `credo export`.
type ExportOptions struct {
	IO       *iostreams.IOStreams
	Retrieve func(ctx context.Context, req credRequest) (aws.Credentials, string, error)
	Request  credRequest
	Format   string
}

var exportFormats = []string{"env", "sh", "fish", "powershell", "json", "ini"}

// NewCmdExport builds `credo export`.
func NewCmdExport(f *Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.env.IO, Retrieve: f.retrieve}
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
			if !contains(exportFormats, opts.Format) {
				return flagErrorf("unknown format %q (valid: %s)", opts.Format, strings.Join(exportFormats, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "env", "Output `format`: "+strings.Join(exportFormats, ", "))
	addCredentialFlags(cmd, &opts.Request)
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(exportFormats))
	return cmd
}

// addCredentialFlags adds the flags that exec and export share.
func addCredentialFlags(cmd *cobra.Command, req *credRequest) {
	fl := cmd.Flags()
	fl.DurationVarP(&req.Duration, "duration", "d", 0, "Session `duration` (default: the profile's duration_seconds, else 1h for roles, 12h for session tokens)")
	fl.BoolVarP(&req.NoSession, "no-session", "n", false, "Use the long-term keys directly, without a session token")
	fl.StringVarP(&req.MFAToken, "mfa-token", "t", "", "MFA `code` to use instead of asking")
	fl.StringVar(&req.Region, "region", "", "AWS `region` to hand out (default: the profile's region)")
	fl.BoolVar(&req.NoBrowser, "no-browser", false, "For SSO sign-in: print the URL and code, open nothing")
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	c, region, err := opts.Retrieve(ctx, opts.Request)
	if err != nil {
		return err
	}
	return writeCredentials(opts.IO.Out, opts.Format, opts.Request.Profile, c, region)
}

// credentialVars lists the variables a consumer needs, in a stable order.
func credentialVars(c aws.Credentials, region string) [][2]string {
	vars := [][2]string{
		{"AWS_ACCESS_KEY_ID", c.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
	}
	if c.SessionToken != "" {
		vars = append(vars, [2]string{"AWS_SESSION_TOKEN", c.SessionToken})
	}
	if c.CanExpire {
		vars = append(vars, [2]string{"AWS_CREDENTIAL_EXPIRATION", c.Expires.UTC().Format(time.RFC3339)})
	}
	if region != "" {
		vars = append(vars, [2]string{"AWS_REGION", region}, [2]string{"AWS_DEFAULT_REGION", region})
	}
	return vars
}

// processCredentials is the credential_process output of the AWS SDKs.
type processCredentials struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

func writeCredentials(w io.Writer, format, profile string, c aws.Credentials, region string) error {
	var b strings.Builder
	switch format {
	case "json":
		pc := processCredentials{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
		if c.CanExpire {
			pc.Expiration = c.Expires.UTC().Format(time.RFC3339)
		}
		out, err := json.Marshal(pc)
		if err != nil {
			return err
		}
		b.Write(out)
		b.WriteByte('\n')
	case "ini":
		fmt.Fprintf(&b, "[%s]\n", profile)
		fmt.Fprintf(&b, "aws_access_key_id = %s\n", c.AccessKeyID)
		fmt.Fprintf(&b, "aws_secret_access_key = %s\n", c.SecretAccessKey)
		if c.SessionToken != "" {
			fmt.Fprintf(&b, "aws_session_token = %s\n", c.SessionToken)
		}
		if region != "" {
			fmt.Fprintf(&b, "region = %s\n", region)
		}
	default:
		for _, kv := range credentialVars(c, region) {
			b.WriteString(shellLine(format, kv[0], kv[1]))
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shellLine formats one assignment so that the shell reads back exactly value,
// whatever it contains.
func shellLine(format, key, value string) string {
	switch format {
	case "sh":
		return "export " + key + "=" + shQuote(value)
	case "fish":
		return "set -gx " + key + " " + fishQuote(value) + ";"
	case "powershell":
		return "$Env:" + key + " = " + psQuote(value)
	default: // env
		return key + "=" + value
	}
}

// shQuote quotes for POSIX shells: inside single quotes nothing is special
// but the single quote itself, which is closed, escaped and reopened.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes for fish, where a single-quoted string honours only \\ and \'.
func fishQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// psQuote quotes for PowerShell, where a single-quoted string doubles its
// single quotes (including the typographic ones PowerShell also accepts).
func psQuote(s string) string {
	r := strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b")
	return "'" + r.Replace(s) + "'"
}
