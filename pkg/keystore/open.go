package keystore

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/99designs/keyring"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/privdir"
	"github.com/credo-cli/credo/pkg/settings"
	// dbusguard must initialise before keyring, whose init connects to
	// D-Bus; see its package comment.
	_ "github.com/credo-cli/credo/pkg/keystore/dbusguard"
)

// Backend names, as accepted by Config.Backend (and CREDO_BACKEND).
const (
	BackendFile          = "file"
	BackendSecretService = "secret-service"
	BackendKWallet       = "kwallet"
	BackendPass          = "pass"
	BackendKeyctl        = "keyctl"
	BackendKeychain      = "keychain"
	BackendWinCred       = "wincred"
)

// Backends lists every backend name credo knows, in alphabetical order.
// The list is the backend setting's (package settings validates it).
func Backends() []string { return slices.Clone(settings.Backends) }

// Config selects and configures a keyring backend. The command layer fills it
// from flags, CREDO_* variables and the settings file.
type Config struct {
	// Backend is one of Backends(), or "" for the best one available (see
	// AutoOrder).
	Backend string

	// FileDir is the file backend's folder (see the FileDir function); "~/" is
	// expanded.
	FileDir string
	// FilePassphrase returns the file backend's passphrase (see
	// PassphraseRequest). It is called only when an item must be encrypted
	// or decrypted and the keyring is not unlocked (listing names never
	// asks), and again only when the answer was wrong, up to
	// FilePassphraseTries times in all (0 means once: a passphrase from the
	// environment cannot change).
	FilePassphrase      func(PassphraseRequest) (string, error)
	FilePassphraseTries int
	// FileKDF is the key derivation of a new file keyring; zero means
	// filefast.DefaultKDF. (Tests make cheap keyrings with it.)
	FileKDF filefast.KDFParams
	// UnlockCache, when set, keeps the file keyring's key unlocked between
	// processes for UnlockTimeout after its last use (0: not kept).
	UnlockCache   KeyCache
	UnlockTimeout time.Duration
	// SingleFlight, when set, takes a cross-process lock named key, so that
	// processes unlocking the same keyring at once ask once.
	SingleFlight func(key string) (release func(), err error)
	// Memory, when set, holds cached sessions in memory (package memstore)
	// instead of the backend, under MemoryNamespace (see
	// memstore.StoreNamespace). When it fails (not available, full,
	// revoked), sessions go to the backend, as without it, and Logger says
	// why.
	Memory          SessionMemory
	MemoryNamespace string

	// PassDir, PassCmd and PassPrefix configure the pass backend. PassDir
	// defaults to $PASSWORD_STORE_DIR, else ~/.password-store; PassCmd to
	// "pass".
	PassDir, PassCmd, PassPrefix string

	// SecretServiceCollection is the secret-service collection (default:
	// ServiceName). A collection other than "login" that does not exist yet
	// is created on the first write, which needs a desktop prompt.
	SecretServiceCollection string
	// KeychainName is the macOS keychain (default: ServiceName).
	KeychainName string
	// KeyctlScope is the kernel keyring that holds credo's named keyring:
	// user (default), usersession, session, process or thread.
	KeyctlScope string

	// ServiceName names credo's items in the OS keyrings; default "credo".
	ServiceName string

	// Getenv reads PASSWORD_STORE_DIR and HOME for the pass backend's
	// default folder; nil means an empty environment.
	Getenv func(string) string
	// Now is the clock used to drop expired sessions; nil means time.Now.
	Now func() time.Time
	// Logger receives --debug diagnostics (which backend, why); nil
	// discards them. It never receives a secret.
	Logger *slog.Logger
}

// FileDir is the file backend's folder for the file_dir setting: the
// setting, else $XDG_DATA_HOME/credo/keyring, else
// ~/.local/share/credo/keyring (%LOCALAPPDATA%\credo\keyring on Windows).
func FileDir(setting string, getenv func(string) string) string {
	return filefast.Folder(setting, getenv)
}

// AutoOrder returns the backends tried, in order, when Config.Backend is ""
// on the operating system goos. secret-service and kwallet count only when a
// D-Bus session bus was reachable when credo started, and pass only when its
// store exists (a .gpg-id in its folder); keyctl is never chosen
// automatically, as its keys vanish on reboot.
func AutoOrder(goos string) []string {
	switch goos {
	case "windows":
		return []string{BackendWinCred, BackendFile}
	case "darwin":
		return []string{BackendKeychain, BackendPass, BackendFile}
	case "linux":
		return []string{BackendSecretService, BackendKWallet, BackendPass, BackendFile}
	}
	return []string{BackendPass, BackendFile}
}

// Open returns the store on the backend cfg names. It is cheap: it touches no
// item, asks no passphrase, and talks to D-Bus only for secret-service and
// kwallet (and for "", when a session bus exists).
func Open(cfg Config) (Store, error) {
	if cfg.ServiceName == "" {
		cfg.ServiceName = "credo"
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Backend != "" {
		if !slices.Contains(Backends(), cfg.Backend) {
			return nil, hint.Wrap(fmt.Errorf("unknown keyring backend %q", cfg.Backend),
				"valid backends: "+strings.Join(Backends(), ", "))
		}
		return openBackend(cfg, cfg.Backend)
	}
	var reasons []string
	for _, b := range AutoOrder(runtime.GOOS) {
		if b == BackendPass && !passStoreExists(cfg) {
			cfg.Logger.Debug("keyring backend skipped", "backend", b, "reason", "no password store")
			continue
		}
		if b != BackendFile && b != BackendPass && !available(b) {
			cfg.Logger.Debug("keyring backend skipped", "backend", b, "reason", "not available")
			continue
		}
		s, err := openBackend(cfg, b)
		if err == nil {
			cfg.Logger.Debug("keyring backend chosen", "backend", b)
			return s, nil
		}
		cfg.Logger.Debug("keyring backend skipped", "backend", b, "error", err)
		reasons = append(reasons, err.Error())
	}
	return nil, fmt.Errorf("no keyring backend available: %s", strings.Join(reasons, "; "))
}

// available reports whether keyring registered backend b, which for
// secret-service and kwallet means a session bus was reachable when the
// process started.
func available(b string) bool {
	return slices.Contains(keyring.AvailableBackends(), keyring.BackendType(b))
}

func openBackend(cfg Config, b string) (Store, error) {
	if !available(b) {
		return nil, notAvailable(b)
	}
	kc := keyring.Config{
		AllowedBackends: []keyring.BackendType{keyring.BackendType(b)},
		ServiceName:     cfg.ServiceName,
	}
	s := &store{backend: b, now: cfg.Now, mem: cfg.Memory, ns: cfg.MemoryNamespace, log: cfg.Logger}
	switch b {
	case BackendFile:
		if cfg.FileDir == "" {
			return nil, hint.New("file keyring: no folder set", "set CREDO_FILE_DIR")
		}
		dir, err := keyring.ExpandTilde(cfg.FileDir)
		if err != nil {
			return nil, fmt.Errorf("file keyring %q: %w", cfg.FileDir, err)
		}
		trust := privdir.Folder{Path: dir, What: "file keyring folder", Hint: "move your items to a folder of yours and set CREDO_FILE_DIR to it"}
		if err := trust.Check(); err != nil {
			return nil, err
		}
		u := &unlocker{
			dir: dir, ask: cfg.FilePassphrase, tries: cfg.FilePassphraseTries, kdf: cfg.FileKDF,
			cache: cfg.UnlockCache, ttl: cfg.UnlockTimeout, single: cfg.SingleFlight, log: cfg.Logger,
		}
		kc.FileDir = dir
		kc.FilePasswordFunc = func(string) (string, error) { return u.passphrase() }
		s.files = &fileLayout{dir: dir, path: func(name string) string { return filepath.Join(dir, fileEscape(name)) }}
		s.unlock = u
		s.reader = &filefast.Reader{
			Dir:        dir,
			Passphrase: u.passphrase,
			Key:        u.Key,
			Fallback:   s.libGet,
		}
	case BackendPass:
		dir := passDir(cfg)
		if dir == "" {
			return nil, hint.New("pass keyring: no password store folder", "set CREDO_PASS_DIR")
		}
		kc.PassDir = dir
		kc.PassCmd = cfg.PassCmd
		kc.PassPrefix = cfg.PassPrefix
		root := filepath.Join(dir, cfg.PassPrefix)
		s.files = &fileLayout{dir: root, path: func(name string) string { return filepath.Join(root, filepath.FromSlash(name)+".gpg") }}
	case BackendSecretService:
		kc.LibSecretCollectionName = cfg.SecretServiceCollection
	case BackendKWallet:
		kc.KWalletAppID = cfg.ServiceName
		kc.KWalletFolder = cfg.ServiceName
	case BackendKeyctl:
		kc.KeyCtlScope = cfg.KeyctlScope
		if kc.KeyCtlScope == "" {
			kc.KeyCtlScope = "user"
		}
	case BackendKeychain:
		kc.KeychainName = cfg.KeychainName
		if kc.KeychainName == "" {
			kc.KeychainName = cfg.ServiceName
		}
		kc.KeychainTrustApplication = true
	case BackendWinCred:
		kc.WinCredPrefix = cfg.ServiceName
	}
	kr, err := keyring.Open(kc)
	if err != nil {
		if errors.Is(err, keyring.ErrNoAvailImpl) {
			return nil, notAvailable(b)
		}
		return nil, fmt.Errorf("%s keyring: %w", b, err)
	}
	s.kr = kr
	return s, nil
}

func notAvailable(b string) error {
	err := fmt.Errorf("keyring backend %q is not available on this machine", b)
	switch b {
	case BackendSecretService, BackendKWallet:
		return hint.Wrap(err, "no D-Bus session bus was reachable when credo started (is DBUS_SESSION_BUS_ADDRESS set?); or use --backend file")
	case BackendKeychain:
		return hint.Wrap(err, "the keychain backend exists only in macOS builds made with cgo; use --backend file")
	case BackendWinCred:
		return hint.Wrap(err, "the wincred backend exists only on Windows; use --backend file")
	}
	return hint.Wrap(err, "valid backends here: "+availableList())
}

func availableList() string {
	var out []string
	for _, b := range keyring.AvailableBackends() {
		out = append(out, string(b))
	}
	return strings.Join(out, ", ")
}

// PassStoreDir is the pass backend's password store folder for cfg (its
// PassDir, else $PASSWORD_STORE_DIR, else ~/.password-store); "" when there
// is no home folder.
func PassStoreDir(cfg Config) string {
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	return passDir(cfg)
}

// passDir resolves the pass backend's folder the way pass itself does, so
// that credo and the library agree on where the .gpg files are.
func passDir(cfg Config) string {
	dir := cfg.PassDir
	if dir == "" {
		dir = cfg.Getenv("PASSWORD_STORE_DIR")
	}
	if dir == "" {
		home := cfg.Getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".password-store")
	}
	if strings.HasPrefix(dir, "~/") {
		if home := cfg.Getenv("HOME"); home != "" {
			dir = filepath.Join(home, dir[2:])
		}
	}
	return dir
}

func passStoreExists(cfg Config) bool {
	dir := passDir(cfg)
	if dir == "" {
		return false
	}
	if _, err := os.Stat(filepath.Join(dir, ".gpg-id")); err != nil {
		return false
	}
	cmd := cfg.PassCmd
	if cmd == "" {
		cmd = "pass"
	}
	_, err := exec.LookPath(cmd)
	return err == nil
}

// passphraseError marks an error of the passphrase function, so that it is
// not taken for a decryption failure.
type passphraseError struct{ err error }

func (e *passphraseError) Error() string { return e.err.Error() }
func (e *passphraseError) Unwrap() error { return e.err }
