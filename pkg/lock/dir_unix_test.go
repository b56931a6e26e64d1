//go:build unix

package lock

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/privdir"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestDefaultDirRuntimeDir(t *testing.T) {
	run := t.TempDir()
	got, err := DefaultDir(env(map[string]string{"XDG_RUNTIME_DIR": run, "XDG_CACHE_HOME": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(run, "credo"); got != want {
		t.Errorf("DefaultDir = %q, want %q", got, want)
	}
	if m := mode(t, got); m != 0o700 {
		t.Errorf("created with mode %v, want 0700", m)
	}
}

func TestDefaultDirCacheFallback(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		t.Skip("the cache folder is ~/Library/Caches here; covered by TestDefaultDirHome")
	}
	cache := filepath.Join(t.TempDir(), "cache")
	got, err := DefaultDir(env(map[string]string{"XDG_RUNTIME_DIR": "relative/ignored", "XDG_CACHE_HOME": cache}))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "credo"); got != want {
		t.Errorf("DefaultDir = %q, want %q", got, want)
	}
	if m := mode(t, got); m != 0o700 {
		t.Errorf("created with mode %v, want 0700", m)
	}
	if m := mode(t, cache); m != 0o700 {
		t.Errorf("created cache folder with mode %v, want 0700", m)
	}
}

func TestDefaultDirHome(t *testing.T) {
	home := t.TempDir()
	got, err := DefaultDir(env(map[string]string{"HOME": home}))
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(home, ".cache", "credo")
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		want = filepath.Join(home, "Library", "Caches", "credo")
	}
	if got != want {
		t.Errorf("DefaultDir = %q, want %q", got, want)
	}
}

func TestDefaultDirNoEnvironment(t *testing.T) {
	if _, err := DefaultDir(env(nil)); err == nil {
		t.Error("DefaultDir with no HOME and no XDG_RUNTIME_DIR succeeded")
	}
}

func TestDefaultDirTightensLooseFolder(t *testing.T) {
	run := t.TempDir()
	dir := filepath.Join(run, "credo")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := DefaultDir(env(map[string]string{"XDG_RUNTIME_DIR": run})); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("mode %v after DefaultDir, want 0700", m)
	}
}

func TestDefaultDirRefusesSymlink(t *testing.T) {
	run := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(run, "credo")); err != nil {
		t.Fatal(err)
	}
	_, err := DefaultDir(env(map[string]string{"XDG_RUNTIME_DIR": run}))
	if !errors.Is(err, privdir.ErrSymlink) {
		t.Fatalf("got %v, want a symbolic link refusal", err)
	}
	if !strings.Contains(err.Error(), filepath.Join(run, "credo")) {
		t.Errorf("error %q does not name the folder", err)
	}
	if m := mode(t, target); m != 0o755 {
		t.Errorf("link target mode changed to %v", m)
	}
}

func TestDefaultDirRefusesFile(t *testing.T) {
	run := t.TempDir()
	if err := os.WriteFile(filepath.Join(run, "credo"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := DefaultDir(env(map[string]string{"XDG_RUNTIME_DIR": run})); err == nil {
		t.Fatal("a regular file was accepted as the lock folder")
	}
}

func TestDefaultDirRefusesForeignOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("giving a folder to another user needs root")
	}
	run := t.TempDir()
	dir := filepath.Join(run, "credo")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := DefaultDir(env(map[string]string{"XDG_RUNTIME_DIR": run}))
	if err == nil || !strings.Contains(err.Error(), "belongs to user id 65534") {
		t.Fatalf("got %v, want a refusal of the foreign folder", err)
	}
	if hint.Of(err) == "" {
		t.Error("no hint on the foreign-owner error")
	}
	if m := mode(t, dir); m != 0o777 {
		t.Errorf("foreign folder's mode changed to %v", m)
	}
}
