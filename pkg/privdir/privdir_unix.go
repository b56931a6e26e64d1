//go:build unix

package privdir

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/credo-cli/credo/pkg/hint"
)

// checkOwner checks and tightens the folder through a descriptor opened
// without following links, so that the folder checked is the folder
// chmodded.
func (f Folder) checkOwner() error {
	fd, err := unix.Open(f.Path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return fmt.Errorf("%s %s %w", f.What, f.Path, ErrSymlink)
		}
		return fmt.Errorf("%s %s: %w", f.What, f.Path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("%s %s: %w", f.What, f.Path, err)
	}
	if uid := os.Getuid(); int64(st.Uid) != int64(uid) {
		return hint.Wrap(
			fmt.Errorf("%s %s belongs to user id %d, not to you (user id %d)", f.What, f.Path, st.Uid, uid),
			f.Hint)
	}
	if st.Mode&0o077 != 0 {
		if err := unix.Fchmod(fd, 0o700); err != nil {
			return fmt.Errorf("%s %s: make it private: %w", f.What, f.Path, err)
		}
	}
	return nil
}
