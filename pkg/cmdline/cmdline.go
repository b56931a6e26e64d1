// Package cmdline is the one grammar of credo's command line where it
// cannot be left to cobra: the flag tables of exec and export and the
// global flags, and Split, which decides which arguments are credo's (flags
// and the profile) and which are the command's that exec runs.
//
// Every reader uses it: credo-core registers exec's and export's flags from
// these tables and splits exec's arguments with Split before pflag parses
// credo's part; completion asks Split what the word being completed is; the
// lean front reads export and exec with Split; the D-Bus guard finds
// --backend and --config with Scan. Split reads flags as pflag does (a
// differential test in pkg/cli keeps it so), so that every reader agrees.
//
// To add a flag to exec or export, add a row to its table (Exec, Export);
// credo-core binds it by name (pkg/cli), the front hands any flag it does
// not serve to credo-core, and completion lists it.
//
// Rules of this package: standard library and pkg/settings only, and only
// standard packages that github.com/godbus/dbus imports too (the D-Bus
// guard's init uses it; see settings.TestInitOrder); no state.
package cmdline

import (
	"cmp"
	"slices"
	"strings"

	"github.com/credo-cli/credo/pkg/settings"
)

// Flag is one flag of credo's command line.
type Flag struct {
	// Name is the long name, without "--".
	Name string
	// Short is the one-letter shorthand, or "".
	Short string
	// Value reports whether the flag takes a value (--name VALUE,
	// --name=VALUE, -xVALUE, -x VALUE, -x=VALUE); a flag without one is a
	// switch (--name, --name=false).
	Value bool
	// Usage is the help text; a `word` in backquotes names the value.
	Usage string
	// Hidden flags are accepted but not listed in help or completion.
	Hidden bool
	// Instead, when set, makes the flag another tool's spelling (aws-vault's):
	// credo accepts it only to say what to use instead.
	Instead string
}

// Command is the grammar of one command whose arguments credo reads
// itself.
type Command struct {
	// Name is the command's name ("exec").
	Name string
	// Flags are the command's own flags; Globals are accepted too.
	Flags []Flag
	// RunsCommand is true for exec: after "--", or at the first argument
	// that is not a flag once the profile is given, the rest is the
	// command to run, whatever it looks like.
	RunsCommand bool
}

// Globals are the flags every command accepts: the settings' flags
// (settings.Keys), --config, --help and aws-vault's global spellings.
var Globals = globals()

func globals() []Flag {
	var out []Flag
	for _, k := range settings.Keys {
		if k.Flag == "" {
			continue
		}
		usage := strings.ToUpper(k.Doc[:1]) + k.Doc[1:]
		if k.Values != nil {
			usage += ": " + strings.Join(k.Values, ", ")
		}
		out = append(out, Flag{Name: k.Flag, Value: k.Default != "true" && k.Default != "false", Usage: usage})
	}
	out = append(out,
		Flag{Name: "config", Value: true, Usage: "credo's settings `file` (default $XDG_CONFIG_HOME/credo/config.yaml)"},
		Flag{Name: "help", Short: "h", Usage: "help for this command"},
	)
	return append(out, awsVaultGlobals...)
}

// credentialFlags are the flags exec and export share.
var credentialFlags = []Flag{
	{Name: "duration", Short: "d", Value: true, Usage: "Session `duration` (default: the profile's duration_seconds, else 1h for roles, 12h for session tokens)"},
	{Name: "no-session", Short: "n", Usage: "Use the long-term keys directly, without a session token"},
	{Name: "mfa-token", Short: "t", Value: true, Usage: "MFA `code` to use instead of asking (- reads it from standard input)"},
	{Name: "region", Value: true, Usage: "AWS `region` to hand out (default: the profile's region)"},
	{Name: "no-browser", Usage: "For SSO sign-in: print the URL and code, open nothing"},
}

// Exec is the grammar of `credo exec [<profile>] [--] [<command> [<args>...]]`.
var Exec = &Command{
	Name:        "exec",
	RunsCommand: true,
	Flags: join(credentialFlags, []Flag{
		{Name: "server", Short: "s", Usage: "Serve credentials from a local container-credentials endpoint"},
		{Name: "ecs-server", Hidden: true, Usage: "Same as --server (aws-vault's name)"},
		{Name: "ec2-server", Usage: "Serve credentials from a local EC2 instance metadata (IMDSv2) endpoint"},
		{Name: "force-nested", Usage: "Allow exec inside another credo exec"},
	}, awsVaultExec),
}

// Export is the grammar of `credo export [<profile>]`.
var Export = &Command{
	Name: "export",
	Flags: join([]Flag{
		{Name: "format", Short: "f", Value: true, Usage: "Output `format`"},
	}, credentialFlags, awsVaultExport),
}

// ImportAWSVault is the grammar of `credo import aws-vault [<profile>...]`,
// which the D-Bus guard reads too (--from-backend).
var ImportAWSVault = &Command{
	Name: "import aws-vault",
	Flags: []Flag{
		{Name: "force", Short: "f", Usage: "Replace keys credo already holds for a profile"},
		{Name: "dry-run", Usage: "Print what would be done; store and change nothing"},
		{Name: "fix-config", Usage: "Write the settings aws-vault inherited from [default] into each profile (a backup of the file is kept)"},
		{Name: "from-backend", Value: true, Usage: "aws-vault's keyring `backend` (default: $AWS_VAULT_BACKEND, else the first of aws-vault's that holds its keys)"},
		{Name: "file-dir", Value: true, Usage: "aws-vault's file keyring `folder` (default: $AWS_VAULT_FILE_DIR, else ~/.awsvault/keys)"},
		{Name: "pass-dir", Value: true, Usage: "aws-vault's pass store `folder` (default: $AWS_VAULT_PASS_PASSWORD_STORE_DIR, else $PASSWORD_STORE_DIR or ~/.password-store)"},
		{Name: "pass-cmd", Value: true, Usage: "aws-vault's pass `command` (default: $AWS_VAULT_PASS_CMD, else pass)"},
		{Name: "pass-prefix", Value: true, Usage: "aws-vault's pass item `prefix` (default: $AWS_VAULT_PASS_PREFIX)"},
		{Name: "secret-service-collection", Value: true, Usage: "aws-vault's secret-service `collection` (default: $AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME, else awsvault)"},
		{Name: "keychain", Value: true, Usage: "aws-vault's macOS `keychain` (default: $AWS_VAULT_KEYCHAIN_NAME, else aws-vault)"},
		{Name: "keyctl-scope", Value: true, Usage: "The kernel keyring that holds aws-vault's keyctl keyring: user, usersession, session, process or thread"},
	},
}

// Commands are the commands with a grammar here; Scan reads the others'
// arguments with the global flags alone.
var Commands = []*Command{Exec, Export, Status, ImportAWSVault}

// Status is the grammar of `credo status`, which the front serves too.
var Status = &Command{
	Name: "status",
	Flags: []Flag{
		{Name: "format", Short: "f", Value: true, Usage: "Output `format`"},
	},
}

func join(lists ...[]Flag) []Flag {
	var out []Flag
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Lookup finds a flag of c (or a global one) by long name or, when short
// is true, by shorthand.
func (c *Command) Lookup(name string, short bool) *Flag {
	lists := [][]Flag{Globals}
	if c != nil {
		lists = [][]Flag{c.Flags, Globals}
	}
	for _, list := range lists {
		for i := range list {
			if (!short && list[i].Name == name) || (short && list[i].Short != "" && list[i].Short == name) {
				return &list[i]
			}
		}
	}
	return nil
}

// Given is a flag found on the command line.
type Given struct {
	Flag *Flag
	// Value is the flag's value; for a switch, "" unless written
	// --name=VALUE.
	Value string
	// HasValue reports whether a switch was written with "=VALUE".
	HasValue bool
}

// Line is a command line split by a grammar.
type Line struct {
	// Head is credo's part: the flags, their values and the positional
	// arguments, in order, without the "--" that ends them.
	Head []string
	// Flags are credo's flags, in order (the last of a repeated flag wins).
	Flags []Given
	// Args are the positional arguments that are credo's (the profile).
	Args []string
	// Command is what exec runs: its name and arguments; nil when none.
	Command []string
	// Dash reports whether "--" ended credo's part.
	Dash bool
	// Unknown lists the flags the grammar does not know, as written.
	Unknown []string
	// Pending is set when the last argument is a flag that still needs its
	// value (completion completes that value; pflag reports it missing).
	Pending *Flag
}

// Value returns the value of the last occurrence of the flag named name.
func (l *Line) Value(name string) (string, bool) {
	for i := len(l.Flags) - 1; i >= 0; i-- {
		if l.Flags[i].Flag.Name == name {
			return l.Flags[i].Value, true
		}
	}
	return "", false
}

// Split splits the arguments that follow the command's name.
func (c *Command) Split(args []string) Line {
	var l Line
	runs := c != nil && c.RunsCommand
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			l.Dash = true
			rest := args[i+1:]
			l.Head = args[:i]
			if runs {
				l.Command = rest
			} else {
				l.Args = append(l.Args, rest...)
			}
			return l
		case a == "-" || !strings.HasPrefix(a, "-"):
			if runs && len(l.Args) > 0 {
				l.Head, l.Command = args[:i], args[i:]
				return l
			}
			l.Args = append(l.Args, a)
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a[2:], "=")
			f := c.Lookup(name, false)
			switch {
			case f == nil:
				l.Unknown = append(l.Unknown, a)
			case f.Value && !hasValue:
				if i+1 >= len(args) {
					l.Pending = f
					break
				}
				i++
				l.Flags = append(l.Flags, Given{Flag: f, Value: args[i], HasValue: true})
			default:
				l.Flags = append(l.Flags, Given{Flag: f, Value: value, HasValue: hasValue})
			}
		default:
			i += c.shorthands(&l, a[1:], args[i+1:])
		}
	}
	l.Head = args
	return l
}

// shorthands reads a group of shorthands (-nt CODE, -tCODE, -d=1h) as
// pflag does: each letter is a switch until one takes a value, which is the
// rest of the group (without a leading "="), else the next argument. It
// returns how many of next it used.
func (c *Command) shorthands(l *Line, group string, next []string) int {
	for j := 0; j < len(group); j++ {
		f := c.Lookup(group[j:j+1], true)
		if f == nil {
			l.Unknown = append(l.Unknown, "-"+group[j:j+1])
			return 0
		}
		rest := group[j+1:]
		if strings.HasPrefix(rest, "=") {
			l.Flags = append(l.Flags, Given{Flag: f, Value: rest[1:], HasValue: true})
			return 0
		}
		if !f.Value {
			l.Flags = append(l.Flags, Given{Flag: f})
			continue
		}
		if rest != "" {
			l.Flags = append(l.Flags, Given{Flag: f, Value: rest, HasValue: true})
			return 0
		}
		if len(next) == 0 {
			l.Pending = f
			return 0
		}
		l.Flags = append(l.Flags, Given{Flag: f, Value: next[0], HasValue: true})
		return 1
	}
	return 0
}

// Scan reads a whole command line (without the program's name): the global
// flags before the command's name, the name ("import aws-vault" for a
// subcommand), and the command's arguments by its grammar (Commands have
// theirs; any other command's own flags are unknown to it). name is "" when
// there is no command.
func Scan(args []string) (name string, l Line) {
	i := 0
	var before Line
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" && args[i] != "--" {
		// Globals before the command: split them alone, one at a time.
		one := (*Command)(nil).Split(args[i : i+1])
		if one.Pending != nil && i+1 < len(args) {
			one = (*Command)(nil).Split(args[i : i+2])
			i++
		}
		before.Flags = append(before.Flags, one.Flags...)
		before.Unknown = append(before.Unknown, one.Unknown...)
		i++
	}
	if i < len(args) && args[i] == "--" {
		i++
	}
	if i >= len(args) {
		return "", before
	}
	c := &Command{Name: args[i]}
	for _, known := range Commands {
		words := strings.Fields(known.Name)
		if len(args)-i >= len(words) && slices.Equal(args[i:i+len(words)], words) {
			c = known
			break
		}
	}
	name = c.Name
	l = c.Split(args[i+len(strings.Fields(name)):])
	l.Flags = append(before.Flags, l.Flags...)
	l.Unknown = append(before.Unknown, l.Unknown...)
	return name, l
}

// Profile is the profile a command acts on: the one named on the command
// line, else $AWS_PROFILE, else "default" (as the AWS CLI does).
func Profile(named string, getenv func(string) string) string {
	return cmp.Or(named, getenv("AWS_PROFILE"), "default")
}
