//go:build !windows

package cli

import (
	"os"
	"syscall"
	"unsafe"
)

// forwardedSignals are passed on to the child of exec when credo runs it
// as a child (--server).
var forwardedSignals = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2}

// terminalSignals are the ones a terminal sends to its whole foreground
// process group (Ctrl-C, Ctrl-\). credo catches them while its child runs,
// so that it neither dies (nor dumps its goroutines) under the child, and
// passes them on only when the terminal did not already deliver them (see
// inForeground).
var terminalSignals = []os.Signal{syscall.SIGINT, syscall.SIGQUIT}

// inForeground reports whether credo's process group is its controlling
// terminal's foreground group, the one a terminal's signals go to.
func inForeground() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	var pgrp int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, tty.Fd(), uintptr(syscall.TIOCGPGRP), uintptr(unsafe.Pointer(&pgrp))); errno != 0 {
		return false
	}
	return int(pgrp) == syscall.Getpgrp()
}
