// Package build reports the version, commit and build date of the credo
// binary. The release sets them through -ldflags; a plain `go install`
// falls back to the module build information.
package build

import (
	"runtime/debug"
	"strings"
	"sync"
)

// These are set with -ldflags "-X github.com/credo-cli/credo/pkg/build.Version=...".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info describes one build of credo.
type Info struct {
	Version string
	Commit  string
	Date    string
}

var readInfo = sync.OnceValue(func() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date}
	if info.Version != "" && info.Commit != "" && info.Date != "" {
		return info
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fill(info)
	}
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		}
	}
	return fill(info)
})

func fill(info Info) Info {
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}

// Read returns the build information, computing it once.
func Read() Info { return readInfo() }

// String is the line `credo version` prints.
func (i Info) String() string {
	return "credo version " + i.Version + " (commit " + i.Commit + ", built " + i.Date + ")"
}

// FrontEnv is the variable through which the front (cmd/credo) tells
// credo-core which build it is, so that a credo-core of another build can
// refuse to run for it.
const FrontEnv = "CREDO_FRONT_BUILD"

// ID names the build: two binaries built together have the same ID.
func (i Info) ID() string { return i.Version + " (commit " + i.Commit + ")" }

// ModuleVersion is the version `go install` takes for this build (v1.2.3),
// or "" when the build came from a source tree (a git describe such as
// v1.2.3-4-gabcdef, a dirty tree, "dev").
func (i Info) ModuleVersion() string {
	v := strings.TrimPrefix(i.Version, "v")
	core, pre, _ := strings.Cut(v, "-")
	nums := strings.Split(core, ".")
	if len(nums) != 3 || strings.Contains(v, "dirty") || strings.Contains(v, "+") {
		return ""
	}
	for _, n := range nums {
		if n == "" || strings.Trim(n, "0123456789") != "" {
			return ""
		}
	}
	// git describe: <tag>-<commits>-g<hash>
	if parts := strings.Split(pre, "-"); len(parts) >= 2 && strings.HasPrefix(parts[len(parts)-1], "g") &&
		strings.Trim(parts[len(parts)-2], "0123456789") == "" {
		return ""
	}
	return "v" + v
}

// CoreInstallHint says how to install the credo-core that matches this build.
func (i Info) CoreInstallHint() string {
	if v := i.ModuleVersion(); v != "" {
		return "install it with: go install github.com/credo-cli/credo/cmd/credo-core@" + v
	}
	return `run "make install" in credo's source folder: it installs credo and credo-core together`
}
