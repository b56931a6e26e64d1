//go:build !windows

package prompt

import "os"

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
