package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// TestMakeInstall: make install puts the binaries, the man pages and the
// completions where each system looks, under PREFIX and DESTDIR (issue 7:
// it installed only the binaries, though the README says `man credo`).
func TestMakeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	makeBin := testsvc.Need(t, "make")
	dest := t.TempDir()
	cmd := exec.Command(makeBin, "-C", filepath.Join("..", ".."), "install", "PREFIX=/opt/credo", "DESTDIR="+dest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	root := filepath.Join(dest, "opt", "credo")
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{
		{"bin/credo", 0o755},
		{"bin/credo-core", 0o755},
		{"share/man/man1/credo.1", 0o644},
		{"share/man/man1/credo-exec.1", 0o644},
		{"share/bash-completion/completions/credo", 0o644},
		{"share/zsh/site-functions/_credo", 0o644},
		{"share/fish/vendor_completions.d/credo.fish", 0o644},
	} {
		fi, err := os.Stat(filepath.Join(root, f.path))
		if err != nil {
			t.Errorf("not installed: %v", err)
			continue
		}
		if fi.Mode().Perm() != f.mode {
			t.Errorf("%s has mode %v, want %v", f.path, fi.Mode().Perm(), f.mode)
		}
	}
}
