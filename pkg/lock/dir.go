package lock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDir returns the private folder for lock files and makes sure it
// exists, is a real folder (not a symbolic link), belongs to the current
// user and is closed to others (0700; looser bits on a folder of ours are
// tightened). It is $XDG_RUNTIME_DIR/credo when XDG_RUNTIME_DIR is set (a
// tmpfs that the system empties at logout, the right home for locks), else
// "credo" in the user's cache folder, found as os.UserCacheDir does but
// through getenv so that callers and tests choose the environment.
func DefaultDir(getenv func(string) string) (string, error) {
	base, err := baseDir(getenv)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(base, "credo")
	if err := ensurePrivateDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// baseDir picks the parent folder; relative paths in the environment are
// ignored, as the XDG base directory specification asks.
func baseDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := getenv("LocalAppData"); d != "" && filepath.IsAbs(d) {
			return d, nil
		}
		return "", errors.New("lock folder: neither XDG_RUNTIME_DIR nor LocalAppData is set")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" && filepath.IsAbs(h) {
			return filepath.Join(h, "Library", "Caches"), nil
		}
	default:
		if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
			return d, nil
		}
		if h := getenv("HOME"); h != "" && filepath.IsAbs(h) {
			return filepath.Join(h, ".cache"), nil
		}
	}
	return "", errors.New("lock folder: neither XDG_RUNTIME_DIR nor HOME is set")
}

// mkdirs creates dir's parents (0700, as the XDG specification wants for a
// cache folder it creates) and dir itself (0700); an existing dir is fine.
func mkdirs(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("lock folder %s: %w", dir, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("lock folder %s: %w", dir, err)
	}
	return nil
}

// errSymlink is returned (wrapped) for a lock folder that is a symbolic link.
var errSymlink = errors.New("is a symbolic link; credo only uses a real folder of its own for locks")

// checkNotLink refuses a symbolic link with a clear message.
func checkNotLink(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("lock folder %s: %w", dir, err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("lock folder %s %w", dir, errSymlink)
	}
	if !fi.IsDir() {
		return fmt.Errorf("lock folder %s: not a folder", dir)
	}
	return nil
}
