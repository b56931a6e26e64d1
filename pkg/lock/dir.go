package lock

import (
	"errors"
	"path/filepath"
	"runtime"

	"github.com/credo-cli/credo/pkg/privdir"
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
	f := privdir.Folder{Path: dir, What: "lock folder", Hint: "remove that folder, or set XDG_RUNTIME_DIR to a private folder of yours"}
	if err := f.Ensure(); err != nil {
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
