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
