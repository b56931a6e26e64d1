//go:build unix

package audit

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on f, released by the returned func.
func lockFile(f *os.File) (func(), error) {
	fd := int(f.Fd())
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX)
		if err != syscall.EINTR {
			if err != nil {
				return nil, err
			}
			return func() { _ = syscall.Flock(fd, syscall.LOCK_UN) }, nil
		}
	}
}

// closeBeforeRename is false where an open file can be renamed: the lock
// on it is held across the rename.
const closeBeforeRename = false
