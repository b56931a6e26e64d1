//go:build !unix

package privdir

// checkOwner does nothing more on systems without Unix permissions: on
// windows a folder under LocalAppData inherits the user's private ACL.
func (f Folder) checkOwner() error { return nil }
