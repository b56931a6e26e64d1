//go:build !windows

package front

import (
	"fmt"
	"os"
	"syscall"

	"github.com/credo-cli/credo/pkg/harden"
)

// execve replaces this process with the user's command, which gets the
// core limit credo started with, and nothing credo holds in memory
// (harden.ForChild).
func execve(path string, argv, env []string) error {
	return harden.ForChild(func() error {
		return harden.WithUserCoreLimit(func() error { return syscall.Exec(path, argv, env) })
	})
}

// runCore replaces this process with credo-core: its exit status, signals
// and terminal are then credo's own.
func runCore(core string, args, env []string) int {
	// credo-core hardens itself again, and must learn the user's limit.
	err := harden.WithUserCoreLimit(func() error { return syscall.Exec(core, append([]string{core}, args...), env) })
	fmt.Fprintf(os.Stderr, "credo: running %s: %v\n", core, err)
	return 1
}
