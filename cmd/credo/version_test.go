package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionFromLdflags: the release sets version, commit and date with
// -ldflags, and both binaries print them.
func TestVersionFromLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	dir := t.TempDir()
	const pkg = "github.com/credo-cli/credo/pkg/build"
	flags := "-X " + pkg + ".Version=9.8.7 -X " + pkg + ".Commit=0123abc -X " + pkg + ".Date=2026-11-27T00:00:00Z"
	for _, bin := range []string{"credo", "credo-core"} {
		out, err := exec.Command("go", "build", "-ldflags", flags, "-o", filepath.Join(dir, bin), "github.com/credo-cli/credo/cmd/"+bin).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", bin, err, out)
		}
	}
	for _, bin := range []string{"credo", "credo-core"} {
		for _, arg := range []string{"version", "--version"} {
			out, err := exec.Command(filepath.Join(dir, bin), arg).Output()
			if err != nil {
				t.Fatalf("%s %s: %v", bin, arg, err)
			}
			if got := strings.TrimSpace(string(out)); got != "credo version 9.8.7 (commit 0123abc, built 2026-11-27T00:00:00Z)" {
				t.Errorf("%s %s = %q", bin, arg, got)
			}
		}
	}
}

// buildCredo builds cmd/<bin> into dir with the version and commit given.
func buildCredo(t *testing.T, dir, bin, version, commit string) string {
	t.Helper()
	const pkg = "github.com/credo-cli/credo/pkg/build"
	flags := "-X " + pkg + ".Version=" + version + " -X " + pkg + ".Commit=" + commit + " -X " + pkg + ".Date=2026-11-27T00:00:00Z"
	out, err := exec.Command("go", "build", "-ldflags", flags, "-o", filepath.Join(dir, bin), "github.com/credo-cli/credo/cmd/"+bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", bin, err, out)
	}
	return filepath.Join(dir, bin)
}

// TestFrontWithoutCore: a front installed alone (`go install .../cmd/credo`)
// says the exact command that installs the credo-core of its version (issue 7).
func TestFrontWithoutCore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	for _, tc := range []struct{ version, hint string }{
		{"1.4.0", "credo: hint: install it with: go install github.com/credo-cli/credo/cmd/credo-core@v1.4.0\n"},
		{"v1.4.0-3-g0123abc-dirty", "credo: hint: run \"make install\" in credo's source folder: it installs credo and credo-core together\n"},
	} {
		front := buildCredo(t, t.TempDir(), "credo", tc.version, "0123abc")
		cmd := exec.Command(front, "list")
		cmd.Env = []string{"PATH=" + t.TempDir(), "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("credo list without credo-core succeeded:\n%s", out)
		}
		want := "credo: credo-core not found next to credo or on PATH: credo hands it every command but a cached session\n" + tc.hint
		if string(out) != want {
			t.Errorf("version %s: got\n%s\nwant\n%s", tc.version, out, want)
		}
	}
}

// TestFrontRefusesOtherCore: an old credo-core on PATH is refused, not used
// silently; the same build runs (issue 7).
func TestFrontRefusesOtherCore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	bin := t.TempDir()
	front := buildCredo(t, t.TempDir(), "credo", "1.4.0", "0123abc")
	run := func() (string, error) {
		cmd := exec.Command(front, "list")
		home := t.TempDir()
		cmd.Env = []string{"PATH=" + bin, "HOME=" + home, "AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
			"CREDO_BACKEND=file", "CREDO_FILE_DIR=" + filepath.Join(home, "keyring"), "CREDO_FILE_PASSPHRASE=x"}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	core := buildCredo(t, bin, "credo-core", "1.3.0", "fedcba9")
	out, err := run()
	if err == nil {
		t.Fatalf("credo ran an old credo-core:\n%s", out)
	}
	want := "credo: " + core + " is version 1.3.0 (commit fedcba9), but credo is version 1.4.0 (commit 0123abc)\n" +
		"credo: hint: install it with: go install github.com/credo-cli/credo/cmd/credo-core@v1.4.0\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}

	buildCredo(t, bin, "credo-core", "1.4.0", "0123abc")
	if out, err := run(); err != nil {
		t.Errorf("credo refused its own credo-core: %v\n%s", err, out)
	}
}
