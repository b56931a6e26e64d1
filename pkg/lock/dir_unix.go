//go:build unix

package lock

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/credo-cli/credo/pkg/hint"
)

// ensurePrivateDir creates dir if needed, then checks and tightens it
// through a descriptor opened without following links, so that the folder
// checked is the folder chmodded.
func ensurePrivateDir(dir string) error {
	if err := mkdirs(dir); err != nil {
		return err
	}
	if err := checkNotLink(dir); err != nil {
		return err
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return fmt.Errorf("lock folder %s %w", dir, errSymlink)
		}
		return fmt.Errorf("lock folder %s: %w", dir, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("lock folder %s: %w", dir, err)
	}
	if uid := os.Getuid(); int64(st.Uid) != int64(uid) {
		return hint.Wrap(
			fmt.Errorf("lock folder %s belongs to user id %d, not to you (user id %d)", dir, st.Uid, uid),
			"remove that folder, or set XDG_RUNTIME_DIR to a private folder of yours")
	}
	if st.Mode&0o077 != 0 {
		if err := unix.Fchmod(fd, 0o700); err != nil {
			return fmt.Errorf("lock folder %s: make it private: %w", dir, err)
		}
	}
	return nil
}
