// Package dbusguard keeps github.com/99designs/keyring from hanging or
// slowing credo down at start-up.
//
// Why it exists: keyring's secretservice.go and kwallet.go call
// dbus.SessionBus() from their init functions. When DBUS_SESSION_BUS_ADDRESS
// is unset and no bus socket is found, godbus runs `dbus-launch`, which can
// start a daemon or hang; and even a working bus costs a connection and a
// Hello round trip on every run, also on the hot path where the file backend
// is used and D-Bus is not needed at all.
//
// How it works: Go initialises packages in import-path order among those
// whose imports are already initialised (Go spec, "Package initialization").
// This package imports os, path/filepath, pkg/cmdline and pkg/settings,
// which import only standard packages that godbus imports too
// (settings.TestInitOrder checks it); so this package is always ready before godbus, and its import
// path (github.com/credo-cli/...) sorts before github.com/godbus/..., so its
// init runs first. pkg/keystore imports it to make sure it is linked in.
//
// Its init function is a deliberate exception to credo's rule against init
// side effects and package-level state: nothing else can run early enough.
// It works out which keyring backend credo will use (the --backend and
// --config flags in os.Args, read by package cmdline's grammar, then
// package settings, credo's one reader of its settings) and,
// when D-Bus is not needed or no session bus exists, points
// DBUS_SESSION_BUS_ADDRESS at an address that fails at once and sets
// DISABLE_KWALLET=1. Restore puts the environment back as it was; cli.Main
// calls it first thing, so that child processes see the user's environment.
package dbusguard

import (
	"os"
	"path/filepath"

	"github.com/credo-cli/credo/pkg/cmdline"
	"github.com/credo-cli/credo/pkg/settings"
)

// DeadAddress is the bus address set while the guard is active: godbus knows
// no "credo-disabled" transport, so connecting to it fails without I/O.
const DeadAddress = "credo-disabled:"

const (
	busEnv     = "DBUS_SESSION_BUS_ADDRESS"
	kwalletEnv = "DISABLE_KWALLET"
)

// savedVar is an environment variable as it was before the guard ran.
type savedVar struct {
	name  string
	value string
	set   bool
}

// saved holds the original values of the variables the guard may change
// (deliberate package state, see the package comment). It is written once by
// init, before main starts, and only read afterwards.
var saved []savedVar

// decision records what the guard did, for Decision.
var decision Result

// Result describes what the guard decided at start-up.
type Result struct {
	// Backend is the backend name the guard found ("" when none was
	// configured, meaning "best available").
	Backend string
	// Disabled is true when the guard hid the session bus from keyring.
	Disabled bool
	// Reason says why, in a few words (for --debug output).
	Reason string
}

func init() {
	for _, name := range []string{busEnv, kwalletEnv} {
		v, ok := os.LookupEnv(name)
		saved = append(saved, savedVar{name: name, value: v, set: ok})
	}
	decision = Decide(os.Args[1:], os.LookupEnv, fileExists, nil)
	if decision.Disabled {
		_ = os.Setenv(busEnv, DeadAddress)
		_ = os.Setenv(kwalletEnv, "1")
	}
}

// Restore puts DBUS_SESSION_BUS_ADDRESS and DISABLE_KWALLET back exactly as
// they were when the process started (a variable that was unset is unset
// again), undoing both the guard and godbus, which exports the address it
// discovers. Call it once at the start of main, before anything reads the
// environment for a child process.
func Restore() {
	for _, v := range saved {
		if v.set {
			_ = os.Setenv(v.name, v.value)
		} else {
			_ = os.Unsetenv(v.name)
		}
	}
}

// Decision returns what the guard decided at start-up.
func Decision() Result { return decision }

// NeedsBus reports whether backend (as named by credo's settings; "" means
// the best available) may use the D-Bus session bus.
func NeedsBus(backend string) bool {
	switch backend {
	case "", "secret-service", "kwallet":
		return true
	}
	return false
}

// Decide works out, from the command-line arguments (without the program
// name), the environment and the file system, whether keyring must be kept
// away from D-Bus. It has no side effects; init applies its result. read
// reads the settings file (nil: the file system).
func Decide(args []string, lookup func(string) (string, bool), exists func(string) bool, read func(string) ([]byte, error)) Result {
	getenv := func(k string) string { v, _ := lookup(k); return v }

	// The command line is read by cmdline's grammar, as credo reads it:
	// a --backend among exec's command's own arguments is not credo's.
	command, line := cmdline.Scan(args)
	flags := map[string]string{}
	for _, name := range []string{"backend", "config"} {
		if v, ok := line.Value(name); ok {
			flags[name] = v
		}
	}
	// A problem in the settings is credo's to report, later; the backend
	// is what it is whatever else is wrong (or the default when it is the
	// problem).
	set, _ := settings.Load(settings.Input{Flags: flags, Getenv: getenv, ReadFile: read})
	backend := set.Backend

	if !NeedsBus(backend) && !importNeedsBus(command, &line, getenv) {
		return Result{Backend: backend, Disabled: true, Reason: "backend " + backend + " does not use D-Bus"}
	}
	if addr := getenv(busEnv); addr != "" && addr != "autolaunch:" {
		return Result{Backend: backend, Reason: "session bus address is set"}
	}
	for _, sock := range busSockets(getenv) {
		if exists(sock) {
			return Result{Backend: backend, Reason: "session bus socket " + sock + " exists"}
		}
	}
	return Result{Backend: backend, Disabled: true, Reason: "no session bus (not autolaunching dbus-launch)"}
}

// busSockets lists the places where a session bus socket (or godbus's
// dbus-session address file) may live.
func busSockets(getenv func(string) string) []string {
	var out []string
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		out = append(out, filepath.Join(dir, "bus"))
	}
	if uid := os.Getuid(); uid >= 0 {
		// godbus looks in /run/user/<uid> whatever XDG_RUNTIME_DIR says.
		dir := filepath.Join("/run/user", itoa(uid))
		out = append(out, filepath.Join(dir, "bus"), filepath.Join(dir, "dbus-session"))
	}
	return out
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// importNeedsBus reports whether `credo import aws-vault` reads aws-vault's
// keyring from a backend that may use D-Bus (--from-backend, else
// AWS_VAULT_BACKEND; unset means aws-vault's choice, which may be
// secret-service).
func importNeedsBus(command string, line *cmdline.Line, getenv func(string) string) bool {
	if command != cmdline.ImportAWSVault.Name {
		return false
	}
	from, ok := line.Value("from-backend")
	if !ok {
		from = getenv("AWS_VAULT_BACKEND")
	}
	return NeedsBus(from)
}
