// Package settings is the one reader of credo's own settings, for both
// binaries (the lean front and credo-core) and for the D-Bus guard's early
// look at the backend. Precedence: a global flag, else the CREDO_*
// variable, else the settings file, else the default. Every setting, with
// its variable, its flag, its default and its check, is one row of Keys.
//
// The settings file (--config, CREDO_CONFIG, else
// $XDG_CONFIG_HOME/credo/config.yaml, else ~/.config/credo/config.yaml) is
// YAML restricted to what settings need: flat `key: value` lines, comments,
// plain or quoted scalars. Anything else, an unknown key and a bad value
// are reported with the file and line.
//
// Rules of this package: it imports only the standard library and
// pkg/hint, and among the standard library only packages that
// github.com/godbus/dbus imports too (the D-Bus guard's init must run before
// godbus's; see pkg/keystore/dbusguard and TestInitOrder); it never calls
// os.Getenv (the caller passes Getenv) and keeps no state.
//
// To add a setting: add a field to Settings and a row to Keys. Nothing else
// reads settings; the import-rules test keeps it so.
package settings

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Settings are credo's settings once precedence and defaults are applied.
type Settings struct {
	// Debug turns on diagnostics on stderr.
	Debug bool
	// Backend is the keyring backend; "" means the best one available.
	Backend string
	// Prompt is the MFA prompt driver; "" means terminal.
	Prompt string
	// FileDir is the file backend's folder; "" means its default.
	FileDir string
	// PassDir, PassCmd and PassPrefix configure the pass backend.
	PassDir, PassCmd, PassPrefix string
	// SecretServiceCollection and KeychainName name the collection and the
	// keychain.
	SecretServiceCollection, KeychainName string
	// MinTTL is how much life a cached session must have left to be handed
	// out; 0 means any session that has not expired.
	MinTTL time.Duration
	// LockTimeout bounds how long a process waits for another one that is
	// fetching the same credentials; 0 means do not wait.
	LockTimeout time.Duration
	// UnlockTimeout is how long an unlocked keyring passphrase is kept in
	// memory after its last use; 0 means ask every time.
	UnlockTimeout time.Duration
	// SessionMemory holds cached sessions in memory (the kernel's key store)
	// rather than in the keyring backend.
	SessionMemory bool
	// CredentialProcessTimeout bounds a profile's credential_process.
	CredentialProcessTimeout time.Duration
	// AuditLog turns the audit log on.
	AuditLog bool
	// AuditMaxSize is the audit log's size, in bytes, past which it is
	// rotated.
	AuditMaxSize int64

	// File is the settings file that was read, "" when there was none.
	File string
	// sources maps a key to where its value came from (see Source).
	sources map[string]string
}

// Source says where the setting named name (its file key) came from:
// "--backend", "CREDO_BACKEND", or "FILE:LINE" in the settings file; "" for
// its default.
func (s *Settings) Source(name string) string { return s.sources[name] }

// Kinds of values.
const (
	kindString = iota
	kindBool
	kindDuration
	kindSize
)

// Key is one setting.
type Key struct {
	// Name is the key in the settings file.
	Name string
	// Env is the environment variable.
	Env string
	// Flag is the global flag that sets it ("backend" for --backend), or "".
	Flag string
	// Default is the value when nothing sets it, as it would be written in
	// the settings file.
	Default string
	// Values lists the accepted values; nil accepts any.
	Values []string
	// Doc says what the setting does, in a few words; a `word` in
	// backquotes names the flag's value in its usage line.
	Doc string

	kind  int
	field func(*Settings) any // a pointer to the field of Settings
}

// The names the backend and prompt settings accept. Package keystore and
// package prompt return these lists (keystore.Backends, prompt.Drivers);
// they live here because this package validates them and must stay lean.
var (
	// Backends are the keyring backends, in alphabetical order.
	Backends = []string{"file", "keychain", "keyctl", "kwallet", "pass", "secret-service", "wincred"}
	// PromptDrivers are the MFA prompt drivers, the default first.
	PromptDrivers = []string{"terminal", "ykman", "zenity", "kdialog", "osascript"}
)

// Keys lists every setting. Each is read from its flag, variable, file key
// and default in that order.
var Keys = []Key{
	{Name: "debug", Env: "CREDO_DEBUG", Flag: "debug", Default: "false", kind: kindBool,
		Doc:   "print diagnostics to stderr (never a secret)",
		field: func(s *Settings) any { return &s.Debug }},
	{Name: "backend", Env: "CREDO_BACKEND", Flag: "backend", Values: Backends,
		Doc:   "keyring `backend` (default: the best one available)",
		field: func(s *Settings) any { return &s.Backend }},
	{Name: "prompt", Env: "CREDO_PROMPT", Flag: "prompt", Values: PromptDrivers,
		Doc:   "MFA prompt `driver` (default: terminal)",
		field: func(s *Settings) any { return &s.Prompt }},
	{Name: "file_dir", Env: "CREDO_FILE_DIR", Doc: "file backend folder",
		field: func(s *Settings) any { return &s.FileDir }},
	{Name: "pass_dir", Env: "CREDO_PASS_DIR", Doc: "pass backend: password store folder",
		field: func(s *Settings) any { return &s.PassDir }},
	{Name: "pass_cmd", Env: "CREDO_PASS_CMD", Doc: "pass backend: the pass command",
		field: func(s *Settings) any { return &s.PassCmd }},
	{Name: "pass_prefix", Env: "CREDO_PASS_PREFIX", Doc: "pass backend: prefix of credo's entries",
		field: func(s *Settings) any { return &s.PassPrefix }},
	{Name: "secret_service_collection", Env: "CREDO_SECRET_SERVICE_COLLECTION", Doc: "secret-service collection",
		field: func(s *Settings) any { return &s.SecretServiceCollection }},
	{Name: "keychain_name", Env: "CREDO_KEYCHAIN_NAME", Doc: "macOS keychain name",
		field: func(s *Settings) any { return &s.KeychainName }},
	{Name: "min_ttl", Env: "CREDO_MIN_TTL", Default: "15m", kind: kindDuration,
		Doc:   "a cached session is handed out while more than this is left (0: until it expires)",
		field: func(s *Settings) any { return &s.MinTTL }},
	{Name: "lock_timeout", Env: "CREDO_LOCK_TIMEOUT", Default: "2m", kind: kindDuration,
		Doc:   "how long to wait for another credo process getting the same credentials (0: do not wait)",
		field: func(s *Settings) any { return &s.LockTimeout }},
	{Name: "unlock_timeout", Env: "CREDO_UNLOCK_TIMEOUT", Default: "15m", kind: kindDuration,
		Doc:   "how long an unlocked file keyring stays unlocked after its last use (0: ask every time)",
		field: func(s *Settings) any { return &s.UnlockTimeout }},
	{Name: "session_memory", Env: "CREDO_SESSION_MEMORY", Default: "true", kind: kindBool,
		Doc:   "hold cached sessions in memory for the login, not in the keyring (false: in the keyring, which outlives the login)",
		field: func(s *Settings) any { return &s.SessionMemory }},
	{Name: "credential_process_timeout", Env: "CREDO_CREDENTIAL_PROCESS_TIMEOUT", Default: "1m", kind: kindDuration,
		Doc:   "how long a profile's credential_process may run (0: no limit)",
		field: func(s *Settings) any { return &s.CredentialProcessTimeout }},
	{Name: "audit_log", Env: "CREDO_AUDIT_LOG", Default: "true", kind: kindBool,
		Doc:   "keep the audit log of credentials handed out",
		field: func(s *Settings) any { return &s.AuditLog }},
	{Name: "audit_max_size", Env: "CREDO_AUDIT_MAX_SIZE", Default: "10MB", kind: kindSize,
		Doc:   "the audit log's size past which it is rotated (KB, MB, GB: powers of 1024)",
		field: func(s *Settings) any { return &s.AuditMaxSize }},
}

// Lookup returns the setting named name (its file key), or nil.
func Lookup(name string) *Key {
	for i := range Keys {
		if Keys[i].Name == name {
			return &Keys[i]
		}
	}
	return nil
}

// Defaults returns the settings when nothing sets any of them.
func Defaults() *Settings {
	s := &Settings{}
	for i := range Keys {
		if err := Keys[i].set(s, Keys[i].Default); err != nil {
			panic("settings: default of " + Keys[i].Name + ": " + err.Error()) // a mistake in Keys
		}
	}
	return s
}

// set parses val into k's field of s. val "" sets the zero value.
func (k *Key) set(s *Settings, val string) error {
	switch p := k.field(s).(type) {
	case *string:
		if val != "" && k.Values != nil && !slices.Contains(k.Values, val) {
			return fmt.Errorf("unknown value %q (valid: %s)", val, strings.Join(k.Values, ", "))
		}
		*p = val
	case *bool:
		if val == "" {
			*p = false
			return nil
		}
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("%q is not true or false", val)
		}
		*p = b
	case *time.Duration:
		if val == "" {
			*p = 0
			return nil
		}
		d, err := time.ParseDuration(val)
		if err != nil || d < 0 {
			return fmt.Errorf("%q is not a duration such as 15m", val)
		}
		*p = d
	case *int64:
		n, err := parseSize(val)
		if err != nil {
			return fmt.Errorf("%q is not a size such as 10MB", val)
		}
		*p = n
	default:
		panic("settings: field of " + k.Name + " has an unknown type")
	}
	return nil
}

// parseSize reads a byte count: digits, then optionally K, M or G (KB, MB,
// GB, KiB, MiB, GiB: all powers of 1024) or B.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, err
	}
	unit := strings.ToUpper(strings.TrimSpace(s[i:]))
	mult := map[string]int64{"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30}[unit]
	if mult == 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size")
	}
	return n * mult, nil
}

// Names returns the file keys, sorted.
func Names() []string {
	out := make([]string, len(Keys))
	for i, k := range Keys {
		out[i] = k.Name
	}
	sort.Strings(out)
	return out
}
