package cli

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strings"

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
				return genBash(root, out)
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

// bashWordsCall is the one call of cobra's bash script into the
// bash-completion package that runs on every Tab.
const bashWordsCall = "    _get_comp_words_by_ref \"$@\" cur prev words cword\n"

// bashWordsFallback takes the words from bash itself when the
// bash-completion package is not loaded, instead of failing on every Tab
// with "_get_comp_words_by_ref: command not found". bash splits
// --flag=value at the "=", so completing after "--flag=" needs the package.
const bashWordsFallback = `    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref "$@" cur prev words cword
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
    fi
`

// genBash writes cobra's bash completion script, made to work without the
// bash-completion package.
func genBash(root *cobra.Command, out io.Writer) error {
	var b bytes.Buffer
	if err := root.GenBashCompletionV2(&b, true); err != nil {
		return err
	}
	script := b.String()
	if !strings.Contains(script, bashWordsCall) {
		return errors.New("bash completion: cobra's script changed; update genBash")
	}
	_, err := io.WriteString(out, strings.Replace(script, bashWordsCall, bashWordsFallback, 1))
	return err
}
