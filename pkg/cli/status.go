package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/cmdline"
	"github.com/credo-cli/credo/pkg/status"
)

// NewCmdStatus builds `credo status`. The front binary answers the common
// forms itself with the same package (pkg/status), so a prompt pays for no
// start-up of the full command tree.
func NewCmdStatus(f *Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the credentials of this shell: profile, role, time left",
		Long: `Show the credentials credo handed to this shell (inside credo exec, or after
eval "$(credo export ...)"): the profile, the role, the expiration and the
time left. It reads the environment only: no keyring, no file, no network.

Formats:

  text    a few labelled lines
  json    {"profile","role_arn","expiration","remaining_seconds"}
  prompt  one short word for a shell prompt: "prod (47m)"

Outside such a shell it prints nothing on standard output, one line on
standard error, and exits 1.`,
		Example: `  $ credo exec prod -- credo status --format json

  # bash: show the profile in the prompt
  PS1='$(credo status --format prompt 2>/dev/null) '"$PS1"`,
		Args: cobra.NoArgs,
		// The environment only, as the front answers it: not even the
		// settings file, whose mistakes are no business of a prompt.
		Annotations: map[string]string{annotationOwnSettings: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !status.ValidFormat(format) {
				return flagErrorf("unknown format %q (valid: %s)", format, strings.Join(status.Formats, ", "))
			}
			s, err := status.Read(f.env.Getenv, f.env.Now())
			if err != nil {
				return err
			}
			return status.Write(f.env.IO.Out, format, s)
		},
	}
	format = "text"
	addFlags(cmd.Flags(), cmdline.Status.Flags, map[string]any{"format": &format})
	cmd.Flags().Lookup("format").Usage += ": " + strings.Join(status.Formats, ", ")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(status.Formats))
	return cmd
}
