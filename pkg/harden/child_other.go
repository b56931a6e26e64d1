//go:build !linux

package harden

// ForChild runs start: there is no kernel key store to keep from a command
// here.
func ForChild(start func() error) error { return start() }
