//go:build windows

package prompt

import "os"

// defaultTTY selects the console: CONIN$ to read and CONOUT$ to write.
const defaultTTY = "CON"

// openTTY opens the console (or, for any other path, that file for reading
// and writing).
func openTTY(path string) (in, out *os.File, err error) {
	if path != defaultTTY {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, nil, err
		}
		return f, f, nil
	}
	in, err = os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}

// InForeground: the console delivers Ctrl-C to every process attached to
// it, and any of them may read it.
func InForeground() bool { return true }
