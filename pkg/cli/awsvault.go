package cli

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/credo-cli/credo/pkg/cmdline"
)

// aws-vault's command lines (99designs 7.2.0 and ByteNess 7.13) either work
// in credo as they did there, or stop with exit status 2 and one line that
// names credo's spelling. This file holds the flags credo spells
// differently; docs/migrating-from-aws-vault.md has the whole table, and a
// test runs every row of it.

// foreignFlag is an aws-vault flag that credo spells differently: a
// cmdline.Flag whose Instead names credo's spelling.
type foreignFlag = cmdline.Flag

// foreignOf returns the aws-vault spellings among a cmdline table's rows.
func foreignOf(rows []cmdline.Flag) []foreignFlag {
	var out []foreignFlag
	for _, r := range rows {
		if r.Instead != "" {
			out = append(out, r)
		}
	}
	return out
}

// awsVaultGlobalFlags are aws-vault's global flags that credo reads from
// its settings instead (rows of cmdline.Globals).
var awsVaultGlobalFlags = foreignOf(cmdline.Globals)

func awsVaultGlobalNames() []string {
	names := make([]string, 0, len(awsVaultGlobalFlags))
	for _, ff := range awsVaultGlobalFlags {
		names = append(names, ff.Name)
	}
	return names
}

// awsVaultCommandFlags are aws-vault's flags of one command that credo
// spells differently. Those of exec and export are rows of their cmdline
// tables, which decide exec's argument grammar.
var awsVaultCommandFlags = map[string][]foreignFlag{
	"exec":   foreignOf(cmdline.Exec.Flags),
	"export": foreignOf(cmdline.Export.Flags),
	"login": {
		{Hidden: true, Name: "auto-logout", Short: "a", Instead: "none; credo login opens a new console sign-in; sign out of the old one in the console"},
	},
	"remove": {
		{Hidden: true, Name: "sessions-only", Short: "s", Instead: "credo clear PROFILE"},
	},
	"rotate": {
		{Hidden: true, Name: "no-session", Short: "n", Instead: "credo rotate PROFILE (it signs with the long-term keys, with an MFA session only when the profile has mfa_serial)"},
	},
	"list": {
		{Hidden: true, Name: "sessions", Instead: "credo list (the sessions column) or credo list --json"},
	},
}

// addForeignFlags registers flags as hidden flags of fs, so that pflag
// parses them (values included) and refuseForeignFlags can name credo's
// spelling instead of calling them unknown.
func addForeignFlags(fs *pflag.FlagSet, flags []foreignFlag) {
	for _, ff := range flags {
		if ff.Value {
			fs.StringP(ff.Name, ff.Short, "", "aws-vault's spelling of "+ff.Instead)
		} else {
			fs.BoolP(ff.Name, ff.Short, false, "aws-vault's spelling of "+ff.Instead)
		}
		_ = fs.MarkHidden(ff.Name)
	}
}

// refuseForeignFlags returns a usage error naming credo's spelling when an
// aws-vault flag was given to cmd.
func refuseForeignFlags(cmd *cobra.Command) error {
	lists := [][]foreignFlag{awsVaultGlobalFlags, awsVaultCommandFlags[cmd.Name()]}
	for _, list := range lists {
		for _, ff := range list {
			if fl := cmd.Flags().Lookup(ff.Name); fl != nil && fl.Changed && fl.Hidden {
				return foreignError(cmd, ff)
			}
		}
	}
	return nil
}

func foreignError(cmd *cobra.Command, ff foreignFlag) error {
	spelled := "--" + ff.Name
	if ff.Short != "" {
		spelled = "-" + ff.Short + "/--" + ff.Name
	}
	if !contains(awsVaultGlobalNames(), ff.Name) && cmd != cmd.Root() {
		spelled = cmd.Name() + " " + spelled
	}
	return flagErrorf("%s is aws-vault's spelling; credo's: %s", spelled, ff.Instead)
}

// negatedFlagError turns pflag's "unknown flag: --no-X", for a boolean
// flag X of cmd, into the line naming credo's spelling: aws-vault (kingpin)
// negates every boolean flag with --no-X, credo (pflag) with --X=false.
func negatedFlagError(cmd *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) || ne.GetSpecifiedShortnames() != "" {
		return err
	}
	name, ok := strings.CutPrefix(ne.GetSpecifiedName(), "no-")
	if !ok {
		return err
	}
	if fl := cmd.Flags().Lookup(name); fl != nil && fl.Value.Type() == "bool" && !fl.Hidden {
		return flagErrorf("--no-%s is aws-vault's spelling; credo's: --%s=false", name, name)
	}
	return err
}

// awsVaultCommands are aws-vault commands credo has under another name.
var awsVaultCommands = map[string]string{
	"migrate-backend": "credo import aws-vault --from-backend BACKEND (credo reads aws-vault's keyring itself; to move credo's own keys, remove and add them)",
	"proxy":           "credo exec --ec2-server PROFILE",
	"server":          "credo exec --ec2-server PROFILE",
}

// newForeignCommand builds a hidden command that stops with the line naming
// credo's spelling, whatever its arguments.
func newForeignCommand(name, credos string) *cobra.Command {
	return &cobra.Command{
		Use:                name,
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(*cobra.Command, []string) error {
			return flagErrorf("%s is aws-vault's command; credo's: %s", name, credos)
		},
	}
}

// refuseAWSVaultFormat names credo's spelling of aws-vault's export formats
// that credo spells differently.
func refuseAWSVaultFormat(format string) error {
	if format == "export-env" {
		return flagErrorf("export --format export-env is aws-vault's spelling; credo's: --format sh (or fish, powershell)")
	}
	return nil
}
