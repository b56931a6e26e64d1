//go:build !windows

package prompt

import (
	"os"
	"syscall"
	"unsafe"
)

// defaultTTY is the controlling terminal of the process.
const defaultTTY = "/dev/tty"

// openTTY opens the terminal at path for reading and writing.
func openTTY(path string) (in, out *os.File, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	return f, f, nil
}

// InForeground reports whether the process's group is its controlling
// terminal's foreground group: the one a terminal's signals go to, and the
// only one that may read the terminal.
func InForeground() bool {
	tty, err := os.Open(defaultTTY)
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
