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
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/credo-cli/credo/pkg/build"
	"github.com/credo-cli/credo/pkg/harden"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore/dbusguard"
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
var secretVars = []string{"CREDO_FILE_PASSPHRASE"}

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
	if isUsageError(err) {
		err = &FlagError{err: err}
	}
	return printError(env.IO.ErrOut, err)
}

// isUsageError recognises cobra's own argument and flag errors, which it
// returns as plain errors.
func isUsageError(err error) bool {
	var fe *FlagError
	if errors.As(err, &fe) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "bad flag syntax", "invalid value"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
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
			if cmd.DisableFlagParsing {
				return nil // exec parses its own flags, then loads the settings
			}
			if err := refuseForeignFlags(cmd); err != nil {
				return err
			}
			return f.loadSettings(cmd.Root().PersistentFlags(), cmd.Flags())
		},
	}
	root.SetVersionTemplate(versionLine(info) + "\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &FlagError{err: negatedFlagError(cmd, err)} })

	pf := root.PersistentFlags()
	pf.Bool("debug", false, "Print diagnostics to stderr (never a secret)")
	pf.String("backend", "", "Keyring `backend`: "+strings.Join(backendNames, ", "))
	pf.String("prompt", "", "MFA prompt `driver`: "+strings.Join(promptNames, ", "))
	pf.String("config", "", "credo's settings `file` (default $XDG_CONFIG_HOME/credo/config.yaml)")
	addForeignFlags(pf, awsVaultGlobalFlags)
	_ = root.RegisterFlagCompletionFunc("backend", fixedCompletion(backendNames))
	_ = root.RegisterFlagCompletionFunc("prompt", fixedCompletion(promptNames))

	root.AddCommand(
		NewCmdAdd(f, nil),
		NewCmdList(f, nil),
		NewCmdRemove(f, nil),
		NewCmdClear(f, nil),
		NewCmdExec(f, nil),
		NewCmdExport(f, nil),
		NewCmdLogin(f, nil),
		NewCmdRotate(f, nil),
		NewCmdStatus(f),
		NewCmdCompletion(f),
		NewCmdVersion(f),
		newCmdRemovePage(),
	)
	for name, credos := range awsVaultCommands {
		root.AddCommand(newForeignCommand(name, credos))
	}
	return root
}

var (
	backendNames = []string{"keychain", "wincred", "secret-service", "kwallet", "pass", "keyctl", "file"}
	promptNames  = []string{"terminal", "ykman", "zenity", "kdialog", "osascript"}
)

func fixedCompletion(values []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

func versionLine(info build.Info) string { return info.String() }

// Settings are credo's own settings after flag > CREDO_* > settings file >
// default precedence has been applied.
type Settings struct {
	Debug    bool
	Backend  string
	Prompt   string
	FileDir  string
	PassDir  string
	PassCmd  string
	PassPfx  string
	SSColl   string
	Keychain string
	// MinTTL is how much life a cached session must have left to be used.
	MinTTL time.Duration
	// LockWait bounds how long a process waits for another one that is
	// fetching the same credentials.
	LockWait time.Duration
}

// settingKeys maps each settings-file key to its environment variable.
var settingKeys = map[string]string{
	"backend":                   "CREDO_BACKEND",
	"prompt":                    "CREDO_PROMPT",
	"file_dir":                  "CREDO_FILE_DIR",
	"pass_dir":                  "CREDO_PASS_DIR",
	"pass_cmd":                  "CREDO_PASS_CMD",
	"pass_prefix":               "CREDO_PASS_PREFIX",
	"secret_service_collection": "CREDO_SECRET_SERVICE_COLLECTION",
	"keychain_name":             "CREDO_KEYCHAIN_NAME",
	"min_ttl":                   "CREDO_MIN_TTL",
	"lock_timeout":              "CREDO_LOCK_TIMEOUT",
	"debug":                     "CREDO_DEBUG",
}

// loadSettings applies the global flags found in any of flagSets (the
// root's, and the command's own, which carries the globals given after it).
func (f *Factory) loadSettings(flagSets ...*pflag.FlagSet) error {
	flags := pflag.NewFlagSet("settings", pflag.ContinueOnError)
	for _, fs := range flagSets {
		fs.VisitAll(func(fl *pflag.Flag) {
			if prev := flags.Lookup(fl.Name); prev == nil || (fl.Changed && !prev.Changed) {
				if prev != nil {
					*prev = *fl
					return
				}
				flags.AddFlag(fl)
			}
		})
	}
	v := viper.New()
	for key, envName := range settingKeys {
		if val := f.env.Getenv(envName); val != "" {
			v.Set(key, val) // environment beats the file
		}
	}
	for _, name := range []string{"backend", "prompt", "debug"} {
		if fl := flags.Lookup(name); fl != nil && fl.Changed {
			v.Set(name, fl.Value.String()) // a flag beats everything
		}
	}
	v.SetDefault("min_ttl", "15m")
	v.SetDefault("lock_timeout", "2m")

	path, explicit := f.settingsPath(flags)
	if path != "" {
		v.SetConfigFile(path)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			var nf viper.ConfigFileNotFoundError
			if explicit || !(errors.As(err, &nf) || errors.Is(err, os.ErrNotExist) || isNotExist(err)) {
				return fmt.Errorf("settings file %s: %w", path, err)
			}
		}
	}
	s := &Settings{
		Debug:    v.GetBool("debug"),
		Backend:  v.GetString("backend"),
		Prompt:   v.GetString("prompt"),
		FileDir:  v.GetString("file_dir"),
		PassDir:  v.GetString("pass_dir"),
		PassCmd:  v.GetString("pass_cmd"),
		PassPfx:  v.GetString("pass_prefix"),
		SSColl:   v.GetString("secret_service_collection"),
		Keychain: v.GetString("keychain_name"),
	}
	var err error
	if s.MinTTL, err = parseSettingDuration("min_ttl", v.GetString("min_ttl")); err != nil {
		return err
	}
	if s.LockWait, err = parseSettingDuration("lock_timeout", v.GetString("lock_timeout")); err != nil {
		return err
	}
	if s.Backend != "" && !contains(backendNames, s.Backend) {
		return flagErrorf("unknown backend %q (valid: %s)", s.Backend, strings.Join(backendNames, ", "))
	}
	if s.Prompt != "" && !contains(promptNames, s.Prompt) {
		return flagErrorf("unknown prompt driver %q (valid: %s)", s.Prompt, strings.Join(promptNames, ", "))
	}
	f.settings = s
	if s.Debug {
		f.log = slog.New(slog.NewTextHandler(f.env.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

func isNotExist(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && errors.Is(pe.Err, syscall.ENOENT)
}

func parseSettingDuration(key, val string) (time.Duration, error) {
	d, err := time.ParseDuration(val)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("setting %s: %q is not a duration such as 15m", key, val)
	}
	return d, nil
}

// settingsPath finds credo's settings file: --config, CREDO_CONFIG, else
// $XDG_CONFIG_HOME/credo/config.yaml (or ~/.config/credo/config.yaml).
// explicit reports whether the user named it, so that a missing one is an error.
func (f *Factory) settingsPath(flags *pflag.FlagSet) (path string, explicit bool) {
	if fl := flags.Lookup("config"); fl != nil && fl.Changed {
		return fl.Value.String(), true
	}
	if p := f.env.Getenv("CREDO_CONFIG"); p != "" {
		return p, true
	}
	if x := f.env.Getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "credo", "config.yaml"), false
	}
	if h := f.home(); h != "" {
		return filepath.Join(h, ".config", "credo", "config.yaml"), false
	}
	return "", false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
