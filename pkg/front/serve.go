// Package front is the lean front binary, cmd/credo: it serves credo's hot
// path, handing out a cached session on the file backend, and hands
// everything else to the full binary, credo-core, which it replaces itself
// with.
//
// Why two binaries: Go initialises every package a binary links before main
// runs, and the full command tree links cobra, viper, the AWS SDK,
// net/http and 99designs/keyring. On a small VM that is 20 ms or more of
// start-up before credo does anything; this package links none of them
// (TestLean keeps it so) and answers in a few milliseconds.
//
// The rule of this file: serve only when every input is understood exactly
// as credo-core would understand it, and otherwise hand over untouched.
// Errors are never reported here: credo-core reports them, with the same
// arguments.
package front

import (
	"io"
	"time"

	"github.com/credo-cli/credo/pkg/audit"
	"github.com/credo-cli/credo/pkg/build"
	"github.com/credo-cli/credo/pkg/cmdline"
	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/keystore/item"
	"github.com/credo-cli/credo/pkg/memstore"
	"github.com/credo-cli/credo/pkg/output"
	"github.com/credo-cli/credo/pkg/settings"
	shellstatus "github.com/credo-cli/credo/pkg/status"
	"github.com/credo-cli/credo/pkg/xdg"
)

// CoreName is the full binary's name, installed beside credo.
const CoreName = "credo-core"

// Env is what the hot path reads from the outside world.
type Env struct {
	Getenv  func(string) string
	Environ func() []string
	Stdout  io.Writer
	Stderr  io.Writer
	Now     func() time.Time
	// Exec replaces the process with argv[0] (execve); it returns only on error.
	Exec func(path string, argv, env []string) error
	// LookPath finds a command on PATH.
	LookPath func(string) (string, error)
}

// request is an export or exec invocation the fast path understood.
type request struct {
	verb    string // "export" or "exec"
	profile string
	format  string
	region  string
	backend string
	command []string // exec: the command; nil for $SHELL

	audit audit.Config // set by cached
	top   *plan.Step   // set by cached: the chain's plan, for the audit line
}

// Serve handles args when it can. handled is false when credo-core must run
// instead; when true, status is the exit status (exec does not return on
// success).
func Serve(args []string, env *Env) (status int, handled bool) {
	if len(args) == 1 && (args[0] == "--version" || args[0] == "version") {
		_, err := io.WriteString(env.Stdout, build.Read().String()+"\n")
		return exitFor(err), true
	}
	if format, ok := parseStatus(args); ok {
		return shellstatus.Run(env.Stdout, env.Stderr, format, env.Getenv, env.Now()), true
	}
	req, ok := parse(args)
	if !ok {
		return 0, false
	}
	c, region, ok := cached(req, env)
	if !ok {
		return 0, false
	}
	if req.verb == "export" {
		record(env, req, c, "")
		return exitFor(output.Write(env.Stdout, req.format, req.profile, c, region)), true
	}
	if env.Getenv("CREDO_PROFILE") != "" {
		return 0, false // nested exec: credo-core refuses it with a hint
	}
	argv := output.Argv(req.command, env.Getenv)
	path, err := env.LookPath(argv[0])
	if err != nil {
		return 0, false // credo-core reports it
	}
	childEnv := output.ChildEnv(env.Environ(), req.profile, region)
	for _, kv := range output.Vars(c, "") {
		childEnv = append(childEnv, kv[0]+"="+kv[1])
	}
	record(env, req, c, argv[0])
	if err := env.Exec(path, argv, childEnv); err != nil {
		return 0, false
	}
	return 0, true
}

func exitFor(err error) int {
	if err != nil {
		return 1
	}
	return 0
}

// served are the flags the front serves itself (by cmdline's grammar, the
// same as credo-core's); any other flag, a second profile, a missing value
// or --debug is left to credo-core.
var served = map[string]bool{"format": true, "region": true, "backend": true}

// parse reads export and exec by cmdline's grammar, the one credo-core
// uses, and reports whether the front can serve them.
func parse(args []string) (*request, bool) {
	if len(args) == 0 {
		return nil, false
	}
	var c *cmdline.Command
	switch args[0] {
	case cmdline.Export.Name:
		c = cmdline.Export
	case cmdline.Exec.Name:
		c = cmdline.Exec
	default:
		return nil, false
	}
	line := c.Split(args[1:])
	if len(line.Unknown) > 0 || line.Pending != nil || len(line.Args) > 1 || (line.Dash && len(line.Command) == 0) {
		return nil, false
	}
	req := &request{verb: args[0], format: "env", command: line.Command}
	for _, g := range line.Flags {
		if !served[g.Flag.Name] {
			return nil, false
		}
		switch g.Flag.Name {
		case "format":
			req.format = g.Value
		case "region":
			req.region = g.Value
		case "backend":
			req.backend = g.Value
		}
	}
	if !output.ValidFormat(req.format) {
		return nil, false
	}
	if len(line.Args) == 1 {
		req.profile = line.Args[0]
	}
	return req, true
}

// parseStatus reads `status` by cmdline's grammar; anything but --format
// (--help, a global flag, an argument, a bad format) goes to credo-core.
func parseStatus(args []string) (format string, ok bool) {
	if len(args) == 0 || args[0] != cmdline.Status.Name {
		return "", false
	}
	line := cmdline.Status.Split(args[1:])
	if len(line.Unknown) > 0 || line.Pending != nil || len(line.Args) > 0 || line.Dash {
		return "", false
	}
	format = "text"
	for _, g := range line.Flags {
		if g.Flag.Name != "format" {
			return "", false
		}
		format = g.Value
	}
	return format, shellstatus.ValidFormat(format)
}

// cached finds the session credo-core would hand out, or reports false.
func cached(req *request, env *Env) (output.Credentials, string, bool) {
	getenv := env.Getenv
	if getenv("CREDO_NO_FASTPATH") != "" {
		return output.Credentials{}, "", false
	}
	var flags map[string]string
	if req.backend != "" {
		flags = map[string]string{"backend": req.backend}
	}
	// Every setting is read and checked as credo-core reads it (the same
	// package), so that a bad one fails the same way cached or not:
	// credo-core reports it.
	set, err := settings.Load(settings.Input{Flags: flags, Getenv: getenv})
	if err != nil || set.Debug {
		return output.Credentials{}, "", false
	}
	req.audit = audit.NewConfig(set.AuditLog, set.AuditMaxSize, getenv)

	profile := cmdline.Profile(req.profile, getenv)
	home := xdg.Home(getenv)
	cfg, err := config.LoadLazily(config.DefaultFiles(getenv, home))
	if cfg == nil {
		return output.Credentials{}, "", false
	}
	chain, err := cfg.Chain(profile)
	if err != nil {
		return output.Credentials{}, "", false
	}
	// plan.TargetKey's lookup, keeping the plan for the audit line.
	top, err := plan.Plan(chain, plan.Options{}, getenv)
	if err != nil || top.CacheKey == "" {
		return output.Credentials{}, "", false
	}
	s, ok := find(set, getenv, top.Profile.Name, top.CacheKey, env.Now().Add(set.MinTTL))
	if !ok {
		return output.Credentials{}, "", false
	}
	req.profile, req.top = profile, top
	region := output.Region(req.region, chain[0].Region, getenv)
	return output.Credentials{
		AccessKeyID:     s.AccessKeyID,
		SecretAccessKey: s.SecretAccessKey,
		SessionToken:    s.SessionToken,
		CanExpire:       true,
		Expires:         s.Expiration,
		RoleARN:         chain[0].RoleARN,
	}, region, true
}

// find looks for the session in memory (for every backend: no backend is
// touched), then, for the file backend with CREDO_FILE_PASSPHRASE, in the
// keyring folder, where sessions are kept when memory is not available.
func find(set *settings.Settings, getenv func(string) string, profile, key string, notAfter time.Time) (item.Session, bool) {
	if set.SessionMemory {
		var mem memstore.Store
		if s, err := mem.FindSession(memstore.StoreNamespace(set, getenv), profile, key, notAfter); err == nil {
			return s, true
		}
	}
	passphrase := getenv("CREDO_FILE_PASSPHRASE")
	if set.Backend != "file" || passphrase == "" {
		return item.Session{}, false
	}
	dir, err := filefast.ExpandTilde(filefast.Folder(set.FileDir, getenv), getenv)
	if err != nil {
		return item.Session{}, false
	}
	// The keyring's key from the unlock cache spares a key derivation.
	unlocked := func(h *filefast.Header) []byte {
		if set.UnlockTimeout <= 0 {
			return nil
		}
		k, _, _ := (&memstore.Store{}).UnlockedKey(h.ID(dir), set.UnlockTimeout)
		return k
	}
	s, err := filefast.FindSessionUnlocked(dir, passphrase, unlocked, profile, key, notAfter)
	return s, err == nil
}
