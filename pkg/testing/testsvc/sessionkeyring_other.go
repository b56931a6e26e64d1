//go:build !linux

package testsvc

// OwnSessionKeyring does nothing where there is no kernel key store.
func OwnSessionKeyring() {}

// NewLogin does nothing where there is no kernel key store.
func NewLogin() {}
