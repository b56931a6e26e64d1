package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/build"
)

// NewCmdVersion builds `credo version`.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print credo's version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(f.env.IO.Out, versionLine(build.Read()))
			return err
		},
	}
}
