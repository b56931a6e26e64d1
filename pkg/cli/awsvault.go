package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// aws-vault's command lines (99designs 7.2.0 and ByteNess 7.13) either work
// in credo as they did there, or stop with exit status 2 and one line that
// names credo's spelling. This file holds the flags credo spells
// differently; docs/migrating-from-aws-vault.md has the whole table, and a
// test runs every row of it.

// foreignFlag is an aws-vault flag that credo spells differently.
type foreignFlag struct {
	name   string
	short  string
	value  bool   // takes a value
	credos string // what to use in credo instead
}

// awsVaultGlobalFlags are aws-vault's global flags that credo reads from
// its settings instead.
var awsVaultGlobalFlags = []foreignFlag{
	{name: "keychain", value: true, credos: "CREDO_KEYCHAIN_NAME (keychain_name in the settings file)"},
	{name: "secret-service-collection", value: true, credos: "CREDO_SECRET_SERVICE_COLLECTION (secret_service_collection in the settings file)"},
	{name: "pass-dir", value: true, credos: "CREDO_PASS_DIR (pass_dir in the settings file)"},
	{name: "pass-cmd", value: true, credos: "CREDO_PASS_CMD (pass_cmd in the settings file)"},
	{name: "pass-prefix", value: true, credos: "CREDO_PASS_PREFIX (pass_prefix in the settings file)"},
	{name: "file-dir", value: true, credos: "CREDO_FILE_DIR (file_dir in the settings file)"},
	{name: "biometrics", credos: "none; credo has no Touch ID unlock; the keychain backend asks macOS itself"},
	{name: "op-timeout", value: true, credos: "a backend of credo's (--backend); credo has no 1Password backend"},
	{name: "op-vault-id", value: true, credos: "a backend of credo's (--backend); credo has no 1Password backend"},
	{name: "op-item-title-prefix", value: true, credos: "a backend of credo's (--backend); credo has no 1Password backend"},
	{name: "op-item-tag", value: true, credos: "a backend of credo's (--backend); credo has no 1Password backend"},
	{name: "op-connect-host", value: true, credos: "a backend of credo's (--backend); credo has no 1Password backend"},
	{name: "op-desktop-account-id", value: true, credos: "a backend of credo's (--backend); credo has no 1Password backend"},
	{name: "proton-pass-share-id", value: true, credos: "a backend of credo's (--backend); credo has no Proton Pass backend"},
	{name: "proton-pass-item-title-prefix", value: true, credos: "a backend of credo's (--backend); credo has no Proton Pass backend"},
	{name: "proton-pass-api-base", value: true, credos: "a backend of credo's (--backend); credo has no Proton Pass backend"},
	{name: "proton-pass-timeout", value: true, credos: "a backend of credo's (--backend); credo has no Proton Pass backend"},
	{name: "help-long", credos: "credo help COMMAND"},
	{name: "help-man", credos: "man credo (make install puts the man pages in place)"},
	{name: "completion-script-bash", credos: "credo completion bash"},
	{name: "completion-script-zsh", credos: "credo completion zsh"},
	{name: "completion-bash", credos: "credo completion bash"},
}

func awsVaultGlobalNames() []string {
	names := make([]string, 0, len(awsVaultGlobalFlags))
	for _, ff := range awsVaultGlobalFlags {
		names = append(names, ff.name)
	}
	return names
}

// awsVaultCommandFlags are aws-vault's flags of one command that credo
// spells differently.
var awsVaultCommandFlags = map[string][]foreignFlag{
	"exec": {
		{name: "json", short: "j", credos: "credo export --format json PROFILE"},
		{name: "lazy", credos: "credo exec --server (credo fetches the credentials once at the start and refreshes them; drop --lazy)"},
		{name: "stdout", credos: "--no-browser"},
		{name: "profile-env", credos: "none; credo exec hands out the credentials themselves; for AWS_PROFILE use credential_process = credo export --format json PROFILE"},
	},
	"export": {
		{name: "stdout", credos: "--no-browser"},
	},
	"login": {
		{name: "auto-logout", short: "a", credos: "none; credo login opens a new console sign-in; sign out of the old one in the console"},
	},
	"remove": {
		{name: "sessions-only", short: "s", credos: "credo clear PROFILE"},
	},
	"rotate": {
		{name: "no-session", short: "n", credos: "credo rotate PROFILE (it signs with the long-term keys, with an MFA session only when the profile has mfa_serial)"},
	},
	"list": {
		{name: "sessions", credos: "credo list (the sessions column) or credo list --json"},
	},
}

// addForeignFlags registers flags as hidden flags of fs, so that pflag
// parses them (values included) and refuseForeignFlags can name credo's
// spelling instead of calling them unknown.
func addForeignFlags(fs *pflag.FlagSet, flags []foreignFlag) {
	for _, ff := range flags {
		if ff.value {
			fs.StringP(ff.name, ff.short, "", "aws-vault's spelling of "+ff.credos)
		} else {
			fs.BoolP(ff.name, ff.short, false, "aws-vault's spelling of "+ff.credos)
		}
		_ = fs.MarkHidden(ff.name)
	}
}

// refuseForeignFlags returns a usage error naming credo's spelling when an
// aws-vault flag was given to cmd.
func refuseForeignFlags(cmd *cobra.Command) error {
	lists := [][]foreignFlag{awsVaultGlobalFlags, awsVaultCommandFlags[cmd.Name()]}
	for _, list := range lists {
		for _, ff := range list {
			if fl := cmd.Flags().Lookup(ff.name); fl != nil && fl.Changed && fl.Hidden {
				return foreignError(cmd, ff)
			}
		}
	}
	return nil
}

func foreignError(cmd *cobra.Command, ff foreignFlag) error {
	spelled := "--" + ff.name
	if ff.short != "" {
		spelled = "-" + ff.short + "/--" + ff.name
	}
	if !contains(awsVaultGlobalNames(), ff.name) && cmd != cmd.Root() {
		spelled = cmd.Name() + " " + spelled
	}
	return flagErrorf("%s is aws-vault's spelling; credo's: %s", spelled, ff.credos)
}

// negatedFlagError turns pflag's "unknown flag: --no-X", for a boolean
// flag X of cmd, into the line naming credo's spelling: aws-vault (kingpin)
// negates every boolean flag with --no-X, credo (pflag) with --X=false.
func negatedFlagError(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --no-")
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
