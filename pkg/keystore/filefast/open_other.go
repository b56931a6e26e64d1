//go:build !unix

package filefast

import (
	"fmt"
	"io/fs"
	"os"
)

// openNoFollow refuses a symbolic link (checked first: this system has no
// O_NOFOLLOW) and opens anything else for reading.
func openNoFollow(path string) (*os.File, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s: %w (a symbolic link); remove it", path, ErrNotRegular)
	}
	return os.Open(path)
}

func isLoop(error) bool { return false }
