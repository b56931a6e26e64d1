package cli

import (
	"sort"

	"github.com/spf13/cobra"
)

// NewCmdCompletion builds `credo completion`.
func NewCmdCompletion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print the completion script for a shell. Profile names complete from the
AWS config files and the keyring.`,
		Example: `  # bash, for this shell
  $ source <(credo completion bash)

  # zsh, for every shell
  $ credo completion zsh > "${fpath[1]}/_credo"

  # fish
  $ credo completion fish > ~/.config/fish/completions/credo.fish`,
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), f.env.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
}

// completeProfiles completes the first argument with the profile names of
// the AWS config files and of the keyring. It never asks for a passphrase:
// listing item names decrypts nothing.
func (f *Factory) completeProfiles(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if err := f.loadSettings(cmd.Root().PersistentFlags(), cmd.Flags()); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	seen := map[string]bool{}
	if cfg, _ := f.Config(); cfg != nil {
		for _, n := range cfg.Names() {
			seen[n] = true
		}
	}
	if store, err := f.Store(); err == nil {
		if names, err := store.KeyProfiles(); err == nil {
			for _, n := range names {
				seen[n] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}
