//go:build !unix

package lock

// ensurePrivateDir creates dir if needed and refuses a symbolic link. On
// windows the folder under LocalAppData inherits the user's private ACL.
func ensurePrivateDir(dir string) error {
	if err := mkdirs(dir); err != nil {
		return err
	}
	return checkNotLink(dir)
}
