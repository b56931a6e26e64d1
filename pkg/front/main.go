package front

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/credo-cli/credo/pkg/build"
	"github.com/credo-cli/credo/pkg/harden"
)

// Main is the front binary's main: serve the hot path, else become
// credo-core with the same arguments.
func Main(args []string) int {
	// Before any secret is read: no core dump, no ptrace by others.
	_ = harden.Process()
	env := &Env{
		Getenv:   os.Getenv,
		Environ:  os.Environ,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Now:      time.Now,
		Exec:     execve,
		LookPath: exec.LookPath,
	}
	if status, handled := Serve(args, env); handled {
		return status
	}
	core, err := corePath()
	if err != nil {
		fmt.Fprintf(os.Stderr, "credo: %s not found next to credo or on PATH: credo hands it every command but a cached session\ncredo: hint: %s\n",
			CoreName, build.Read().CoreInstallHint())
		return 1
	}
	// credo-core refuses to run for a front of another build (see cli.Main).
	return runCore(core, args, append(os.Environ(), build.FrontEnv+"="+build.Read().ID()))
}

// corePath finds credo-core beside this binary (following a symlink to
// it), else on PATH.
func corePath() (string, error) {
	name := CoreName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if exe, err := os.Executable(); err == nil {
		dirs := []string{filepath.Dir(exe)}
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		for _, d := range dirs {
			p := filepath.Join(d, name)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p, nil
			}
		}
	}
	return exec.LookPath(name)
}
