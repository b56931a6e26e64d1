//go:build !unix

package audit

import "os"

// lockFile does nothing where flock is missing: two processes rotating at
// the same instant may then drop the older rotated file.
func lockFile(*os.File) (func(), error) { return func() {}, nil }

// closeBeforeRename: Windows refuses to rename a file this process holds
// open, so the full log is closed first (Append reopens the new one).
const closeBeforeRename = true
