// Package build reports the version, commit and build date of the credo
// binary. The release sets them through -ldflags; a plain `go install`
// falls back to the module build information.
package build

import (
	"runtime/debug"
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
