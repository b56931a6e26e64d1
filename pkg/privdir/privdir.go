// Package privdir makes sure a folder credo keeps private things in (lock
// files, the file keyring) is a real folder of the current user's, closed
// to others. It imports only the standard library and golang.org/x/sys, so
// that credo's lean front binary can use it.
//
// It is part of credo's implementation, not a public API.
package privdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrSymlink is returned (wrapped) for a folder that is a symbolic link.
var ErrSymlink = errors.New("is a symbolic link; credo only uses a real folder of its own")

// Folder names one private folder for the messages about it.
type Folder struct {
	// Path is the folder.
	Path string
	// What names it in messages, e.g. "lock folder".
	What string
	// Hint says what to do about a folder that belongs to someone else.
	Hint string
}

// Ensure creates f.Path (0700, parents 0700) when it is missing, then
// checks it as Check does.
func (f Folder) Ensure() error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return fmt.Errorf("%s %s: %w", f.What, f.Path, err)
	}
	if err := os.Mkdir(f.Path, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s %s: %w", f.What, f.Path, err)
	}
	return f.Check()
}

// Check makes sure an existing f.Path is a real folder (not a symbolic
// link), belongs to the current user and is closed to others: looser
// permission bits on a folder of the user's are tightened to 0700. A
// missing folder is fine (nothing in it can be read).
func (f Folder) Check() error {
	fi, err := os.Lstat(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", f.What, f.Path, err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s %s %w", f.What, f.Path, ErrSymlink)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %s: not a folder", f.What, f.Path)
	}
	return f.checkOwner()
}
