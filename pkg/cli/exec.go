package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/audit"
	"github.com/credo-cli/credo/pkg/cmdline"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/harden"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/output"
	"github.com/credo-cli/credo/pkg/prompt"
	"github.com/credo-cli/credo/pkg/server"
	"github.com/credo-cli/credo/pkg/settings"
)

// ExecOptions are the inputs of `credo exec`.
type ExecOptions struct {
	IO       *iostreams.IOStreams
	Retrieve func(ctx context.Context, req credRequest) (retrieved, error)
	Getenv   func(string) string
	Environ  func() []string
	// Replace replaces the process with the command (execve). It is nil
	// where that is impossible (Windows) and in tests.
	Replace func(path string, argv, env []string) error
	// Log is the --debug log, for the endpoints of --server and
	// --ec2-server (it is set up after the flags are parsed).
	Log func() *slog.Logger
	// Audit records credentials handed out; nil records nothing.
	Audit func(audit.Entry)
	Now   func() time.Time

	Request     credRequest
	Command     []string
	Server      bool
	EC2Server   bool
	ForceNested bool
}

// NewCmdExec builds `credo exec`.
func NewCmdExec(f *Factory, runF func(*ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{IO: f.env.IO, Retrieve: f.retrieve, Getenv: f.env.Getenv, Environ: f.env.Environ,
		Log: func() *slog.Logger { return f.log }, Audit: f.audit, Now: f.env.Now}
	if runtime.GOOS != "windows" {
		opts.Replace = func(path string, argv, env []string) error {
			return harden.ForChild(func() error {
				return harden.WithUserCoreLimit(func() error { return syscall.Exec(path, argv, env) })
			})
		}
	}
	cmd := &cobra.Command{
		Use:   "exec [<profile>] [--] [<command> [<args>...]]",
		Short: "Run a command with temporary credentials",
		Long: `Run a command (default: $SHELL) with temporary credentials for a profile in
its environment. The command's exit status is credo's.

With --server the command gets its credentials from a local container
credentials endpoint that refreshes them; with --ec2-server from a local
instance metadata (IMDSv2) endpoint.`,
		Example: `  $ credo exec prod -- terraform plan
  $ credo exec prod -- aws sts get-caller-identity

  # A shell that keeps fresh credentials for hours
  $ credo exec --server prod`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: f.completeExec,
		// The command's own flags must not be read as credo's
		// (`credo exec prod ls -la`), so exec splits its arguments itself:
		// see splitExecArgs.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			line := cmdline.Exec.Split(args)
			head, command := line.Head, line.Command
			// ParseFlags does nothing under DisableFlagParsing: merge the
			// inherited global flags in (InheritedFlags does) and parse.
			cmd.InheritedFlags()
			if err := cmd.Flags().Parse(head); err != nil {
				return flagParseError(cmd, err)
			}
			if err := refuseForeignFlags(cmd); err != nil {
				return err
			}
			if help, _ := cmd.Flags().GetBool("help"); help {
				return cmd.Help()
			}
			// Global flags given after "exec" count too.
			if err := f.loadSettings(cmd.Root().PersistentFlags(), cmd.Flags()); err != nil {
				return err
			}
			profileArgs := cmd.Flags().Args() // at most one: Split saw to it
			opts.Command = command
			if opts.Server && opts.EC2Server {
				return flagErrorf("--server and --ec2-server cannot be used together")
			}
			if err := checkDuration(opts.Request.Duration); err != nil {
				return err
			}
			opts.Request.Profile = profileArg(f, profileArgs)
			if runF != nil {
				return runF(opts)
			}
			return execRun(cmd.Context(), opts)
		},
	}
	bind := credentialBindings(&opts.Request)
	bind["server"] = &opts.Server
	bind["ecs-server"] = &opts.Server // aws-vault's name for --server
	bind["ec2-server"] = &opts.EC2Server
	bind["force-nested"] = &opts.ForceNested
	addFlags(cmd.Flags(), cmdline.Exec.Flags, bind)
	return cmd
}

func execRun(ctx context.Context, opts *ExecOptions) error {
	if p := opts.Getenv("CREDO_PROFILE"); p != "" && !opts.ForceNested {
		return hint.New(fmt.Sprintf("already inside credo exec for profile %q", p),
			"exit that shell first, or add --force-nested")
	}
	argv := output.Argv(opts.Command, opts.Getenv)
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("command %q: %w", argv[0], errors.Unwrap(err))
	}

	r, err := opts.Retrieve(ctx, opts.Request)
	if err != nil {
		return err
	}
	region := r.Region
	env := output.ChildEnv(opts.Environ(), opts.Request.Profile, region)

	record := func(r retrieved, via string, pid, ppid int) {
		if opts.Audit != nil {
			e := auditEntry(opts.Now(), opts.Request.Profile, r, via)
			e.Runs(argv[0], pid, ppid)
			opts.Audit(e)
		}
	}
	if !opts.Server && !opts.EC2Server {
		for _, kv := range output.Vars(r.output(), "") {
			env = append(env, kv[0]+"="+kv[1])
		}
		if opts.Replace != nil {
			// The command will run as this very process.
			record(r, audit.ViaExec, os.Getpid(), os.Getppid())
			err := opts.Replace(path, argv, env)
			return fmt.Errorf("running %s: %w", argv[0], err)
		}
		return runChild(ctx, path, argv, env, opts.IO, func(pid int) { record(r, audit.ViaExec, pid, os.Getpid()) })
	}

	if r.RoleARN != "" {
		env = append(env, "CREDO_ROLE_ARN="+r.RoleARN)
	}
	// Each answer of the endpoint is an audit line: the first after a
	// retrieve says where the credentials came from, later ones that the
	// endpoint served them from memory.
	var (
		mu       sync.Mutex
		last     = r
		fresh    = true
		childPID atomic.Int64
	)
	provider := func(ctx context.Context) (aws.Credentials, error) {
		got, err := opts.Retrieve(ctx, opts.Request)
		if err == nil {
			mu.Lock()
			// The retrieve above, before the command started, is not yet
			// logged: its origin (an STS call, say) is the one to record.
			if !fresh || got.Creds.AccessKeyID != last.Creds.AccessKeyID {
				last, fresh = got, true
			}
			mu.Unlock()
		}
		return got.Creds, err
	}
	via := audit.ViaECSServer
	if opts.EC2Server {
		via = audit.ViaEC2Server
	}
	served := func(c aws.Credentials, clientAddr, serverAddr string) {
		mu.Lock()
		got := last
		if !fresh || got.Creds.AccessKeyID != c.AccessKeyID {
			got.Creds, got.Origin.Source = c, plan.OriginCache
		}
		fresh = false
		mu.Unlock()
		if opts.Audit == nil {
			return
		}
		e := auditEntry(opts.Now(), opts.Request.Profile, got, via)
		// The process behind the connection, else the command credo started.
		if pid := server.PeerPID(clientAddr, serverAddr); pid != 0 {
			e.RequestedBy(pid)
		} else {
			e.Runs(argv[0], int(childPID.Load()), os.Getpid())
		}
		opts.Audit(e)
	}
	srvOpts := server.Options{Region: region, Served: served}
	if opts.Log != nil {
		srvOpts.Log = opts.Log()
	}
	if opts.Server {
		srv, err := server.StartECS(provider, srvOpts)
		if err != nil {
			return err
		}
		defer srv.Close()
		env = append(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI="+srv.URL(), "AWS_CONTAINER_AUTHORIZATION_TOKEN="+srv.Token())
	} else {
		srv, err := server.StartIMDS(provider, srvOpts)
		if err != nil {
			return err
		}
		defer srv.Close()
		env = append(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT="+srv.Endpoint())
	}
	return runChild(ctx, path, argv, env, opts.IO, func(pid int) { childPID.Store(int64(pid)) })
}

// runChild runs the command, passes on the signals credo receives, and
// turns its exit into credo's: its status, or 128+N when signal N killed it.
// credo outlives the command whatever the signal: the endpoints of
// --server must serve it to its end. started is called with the command's
// pid once it runs.
func runChild(ctx context.Context, path string, argv, env []string, ios *iostreams.IOStreams, started func(pid int)) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args = argv
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = ios.In, ios.Out, ios.ErrOut
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	termSigs := make(chan os.Signal, 4)
	signal.Notify(termSigs, terminalSignals...)
	defer signal.Stop(termSigs)
	// The command gets nothing credo holds in memory (harden.ForChild).
	if err := harden.ForChild(func() error { return harden.WithUserCoreLimit(cmd.Start) }); err != nil {
		return fmt.Errorf("running %s: %w", argv[0], err)
	}
	started(cmd.Process.Pid)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case s := <-termSigs:
				// From the terminal, the whole foreground process group
				// has it, the command included: a second copy would make
				// tools such as terraform abort at once. From kill(1),
				// only credo has it.
				if !prompt.InForeground() {
					_ = cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &exitStatus{code: 128 + int(ws.Signal())}
		}
		return &exitStatus{code: ee.ExitCode()}
	}
	return fmt.Errorf("running %s: %w", argv[0], err)
}

// completeExec completes exec's arguments by hand, since cobra completes
// nothing for a command that parses its own flags: flag names, the values
// of --backend and --prompt, the profile, then the command's own words.
func (f *Factory) completeExec(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	line := cmdline.Exec.Split(args)
	if line.Command != nil || line.Dash {
		return nil, cobra.ShellCompDirectiveDefault // the command's own words
	}
	if fl := line.Pending; fl != nil {
		if k := settings.Lookup(fl.Name); k != nil && k.Flag == fl.Name && k.Values != nil {
			return k.Values, cobra.ShellCompDirectiveNoFileComp
		}
		if fl.Name == "config" {
			return nil, cobra.ShellCompDirectiveDefault
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if strings.HasPrefix(toComplete, "-") {
		var names []string
		for _, rows := range [][]cmdline.Flag{cmdline.Exec.Flags, cmdline.Globals} {
			for _, fl := range rows {
				if !fl.Hidden {
					names = append(names, "--"+fl.Name)
				}
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
	if len(line.Args) > 0 {
		return nil, cobra.ShellCompDirectiveDefault // the profile is given: a command comes next
	}
	return f.completeProfiles(cmd, nil, toComplete)
}
