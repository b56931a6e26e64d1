//go:build !windows

package cli

import (
	"os"
	"syscall"
)

// forwardedSignals are passed on to the child of exec when credo runs it
// as a child (--server).
var forwardedSignals = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2}

// terminalSignals are the ones a terminal sends to its whole foreground
// process group (Ctrl-C, Ctrl-\). credo catches them while its child runs,
// so that it neither dies (nor dumps its goroutines) under the child, and
// passes them on only when the terminal did not already deliver them (see
// prompt.InForeground).
var terminalSignals = []os.Signal{syscall.SIGINT, syscall.SIGQUIT}
