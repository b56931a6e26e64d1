package plan_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// leanPackages are what credo's lean front binary links from this module.
var leanPackages = []string{
	"github.com/credo-cli/credo/pkg/creds/plan",
	"github.com/credo-cli/credo/pkg/keystore/item",
	"github.com/credo-cli/credo/pkg/keystore/filefast",
	"github.com/credo-cli/credo/pkg/config",
	"github.com/credo-cli/credo/pkg/hint",
	"github.com/credo-cli/credo/pkg/build",
	"github.com/credo-cli/credo/pkg/status",
	"github.com/credo-cli/credo/pkg/audit",
	"github.com/credo-cli/credo/pkg/settings",
	"github.com/credo-cli/credo/pkg/cmdline",
	"github.com/credo-cli/credo/pkg/output",
}

// heavy are import path prefixes whose initialisation costs the front
// binary start-up time (or D-Bus traffic).
var heavy = []string{
	"github.com/99designs/keyring",
	"github.com/godbus",
	"github.com/aws/",
	"github.com/spf13/",
	"net/http",
	"log/slog",
	"gopkg.in/",
	"go.yaml.in",
}

// TestLeanPackagesStayLean fails when a lean package starts to depend, even
// indirectly, on a heavy one (issue 4: the hot path's start-up time).
func TestLeanPackagesStayLean(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command: %v", err)
		}
	}
	out, err := exec.Command(goCmd, append([]string{"list", "-deps"}, leanPackages...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	seen := map[string]bool{}
	for _, d := range deps {
		seen[d] = true
		for _, h := range heavy {
			if strings.HasPrefix(d, h) {
				t.Errorf("lean packages depend on %s", d)
			}
		}
	}
	for _, p := range leanPackages {
		if !seen[p] {
			t.Errorf("go list -deps did not list %s: %q", p, deps)
		}
	}
}
