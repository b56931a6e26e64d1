//go:build !windows

package cli

import (
	"os"
	"syscall"
)

// forwardedSignals are passed on to the child of exec when credo runs it
// as a child (--server). SIGINT and SIGQUIT are not: the terminal already
// sends them to the whole foreground process group, child included, and a
// second copy would make tools such as terraform abort at once.
var forwardedSignals = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2}
