//go:build !windows

package front

import (
	"fmt"
	"os"
	"syscall"
)

func execve(path string, argv, env []string) error { return syscall.Exec(path, argv, env) }

// runCore replaces this process with credo-core: its exit status, signals
// and terminal are then credo's own.
func runCore(core string, args, env []string) int {
	err := syscall.Exec(core, append([]string{core}, args...), env)
	fmt.Fprintf(os.Stderr, "credo: running %s: %v\n", core, err)
	return 1
}
