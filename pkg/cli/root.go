// Package cli is credo's command tree. It is the only package that knows
// about cobra, viper and the process environment; everything below pkg/
// receives plain values. pkg/ is not a public Go API.
package cli

import (
	"context"
	"errors"
	"fmt"

	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/credo-cli/credo/pkg/build"
	"github.com/credo-cli/credo/pkg/cmdline"
	"github.com/credo-cli/credo/pkg/harden"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore/dbusguard"
	"github.com/credo-cli/credo/pkg/settings"
)

// Main runs credo with the process's own streams and environment and
// returns the exit status.
func Main(args []string) int {
	// Before any secret is read: no core dump, no ptrace by others.
	_ = harden.Process()
	// Put back what the D-Bus guard changed before the keyring package
	// initialised, so that children and the secret-service backend see the
	// user's real environment.
	dbusguard.Restore()
	if status, ok := checkFront(); !ok {
		return status
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Take credo's secrets out of the environment, so that no command credo
	// starts (mfa_process, credential_process, a prompt dialog, exec's
	// child) inherits them; credo itself reads them through getenv.
	secrets := map[string]string{}
	for _, name := range secretVars {
		if v, ok := os.LookupEnv(name); ok {
			secrets[name] = v
			_ = os.Unsetenv(name)
		}
	}
	getenv := func(k string) string {
		if v, ok := secrets[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	return Run(ctx, &Env{
		IO:      iostreams.System(),
		Getenv:  getenv,
		Environ: os.Environ,
		Now:     time.Now,
	}, args)
}

// checkFront refuses to run for a front (cmd/credo) of another build, say an
// old credo-core left on PATH: the two share the keyring's and the cache's
// formats. The front names its build in build.FrontEnv; the variable is
// taken out so that nothing credo starts inherits it.
func checkFront() (int, bool) {
	front, ok := os.LookupEnv(build.FrontEnv)
	if !ok {
		return 0, true
	}
	_ = os.Unsetenv(build.FrontEnv)
	own := build.Read()
	if front == own.ID() {
		return 0, true
	}
	self, err := os.Executable()
	if err != nil {
		self = "credo-core"
	}
	version, _, _ := strings.Cut(front, " (commit ")
	fmt.Fprintf(os.Stderr, "credo: %s is version %s, but credo is version %s\ncredo: hint: %s\n",
		self, own.ID(), front, build.Info{Version: version}.CoreInstallHint())
	return exitError, false
}

// secretVars are the CREDO_* variables that hold secrets.
var secretVars = []string{"CREDO_FILE_PASSPHRASE", "AWS_VAULT_FILE_PASSPHRASE"}

// Env is what one invocation receives from the outside world.
type Env struct {
	IO      *iostreams.IOStreams
	Getenv  func(string) string
	Environ func() []string
	Now     func() time.Time
}

// Run runs credo with the given streams and environment.
func Run(ctx context.Context, env *Env, args []string) int {
	f := NewFactory(env)
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(env.IO.In)
	root.SetOut(env.IO.Out)
	root.SetErr(env.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	return printError(env.IO.Out, env.IO.ErrOut, err)
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	info := build.Read()
	root := &cobra.Command{
		Use:   "credo <command>",
		Short: "Short-lived AWS credentials from keys kept in your OS keyring",
		Long: `credo keeps long-term IAM user keys in the OS keyring and turns them into
short-lived credentials: it asks for your MFA code once, calls STS for a
session token or a role (through chains of roles), caches the result, and
hands it to a command, your shell, or any AWS SDK as a credential_process.`,
		Version:       info.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Completion scripts are a command of their own (credo completion).
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		// Without a command, credo prints its help, after refusing
		// aws-vault's spellings such as --help-long (see PersistentPreRunE).
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.DisableFlagParsing || cmd.Annotations[annotationOwnSettings] != "" {
				return nil // exec parses its own flags, then loads the settings
			}
			if err := refuseForeignFlags(cmd); err != nil {
				return err
			}
			return f.loadSettings(cmd.Root().PersistentFlags(), cmd.Flags())
		},
	}
	root.SetVersionTemplate(versionLine(info) + "\n")
	root.SetFlagErrorFunc(flagParseError)
	// cobra's own "Did you mean this?" spans several lines; credo's is one
	// hint line (see unknownCommand).
	root.DisableSuggestions = true
	root.Args = unknownCommand

	addGlobalFlags(root)

	root.AddCommand(
		NewCmdAdd(f, nil),
		NewCmdList(f, nil),
		NewCmdRemove(f, nil),
		NewCmdClear(f, nil),
		NewCmdLock(f, nil),
		NewCmdExec(f, nil),
		NewCmdExport(f, nil),
		NewCmdLogin(f, nil),
		NewCmdRotate(f, nil),
		NewCmdLog(f, nil),
		NewCmdStatus(f),
		NewCmdDoctor(f, nil),
		NewCmdCompletion(f),
		NewCmdVersion(f),
		NewCmdImport(f),
		newCmdRemovePage(),
	)
	for name, credos := range awsVaultCommands {
		root.AddCommand(newForeignCommand(name, credos))
	}
	argsAreUsage(root)
	return root
}

// argsAreUsage makes every argument check of the tree return a usage error
// (exit 2): cobra's checks (cobra.MaximumNArgs and the like) return plain
// errors, and this is where credo tells them apart, by where they come
// from rather than by their wording.
func argsAreUsage(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			err := check(c, args)
			var fe *FlagError
			if err == nil || errors.As(err, &fe) {
				return err
			}
			return &FlagError{err: err}
		}
	}
	for _, sub := range cmd.Commands() {
		argsAreUsage(sub)
	}
}

func fixedCompletion(values []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

func versionLine(info build.Info) string { return info.String() }

// loadSettings applies the global flags found in any of flagSets (the
// root's, and the command's own, which carries the globals given after it)
// through package settings, the one reader of credo's settings.
func (f *Factory) loadSettings(flagSets ...*pflag.FlagSet) error {
	given := map[string]string{}
	for _, fs := range flagSets {
		fs.Visit(func(fl *pflag.Flag) {
			if fl.Name == "config" || settingFlags[fl.Name] {
				given[fl.Name] = fl.Value.String()
			}
		})
	}
	s, err := settings.Load(settings.Input{Flags: given, Getenv: f.env.Getenv})
	if err != nil {
		// Every caller but doctor stops here; doctor goes on with the
		// settings that are valid (flags, variables, the file's good
		// lines), not with bare defaults that name another keyring.
		if s != nil {
			f.settings = s
		}
		var es settings.Errors
		if errors.As(err, &es) && strings.HasPrefix(es[0].Name, "--") {
			return &FlagError{err: err}
		}
		return err
	}
	f.settings = s
	if s.Debug {
		f.log = slog.New(slog.NewTextHandler(f.env.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if s.File != "" {
			f.log.Debug("settings file read", "path", s.File)
		}
	}
	return nil
}

// settingFlags are the global flags that set a setting, from settings.Keys.
var settingFlags = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range settings.Keys {
		if k.Flag != "" {
			m[k.Flag] = true
		}
	}
	return m
}()

// addGlobalFlags defines the global flags (cmdline.Globals), with the
// values of the settings that have a fixed set completed.
func addGlobalFlags(root *cobra.Command) {
	addFlags(root.PersistentFlags(), cmdline.Globals, nil)
	for _, k := range settings.Keys {
		if k.Flag != "" && k.Values != nil {
			_ = root.RegisterFlagCompletionFunc(k.Flag, fixedCompletion(k.Values))
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
