//go:build !unix

package harden

type coreLimit struct{}

func setCoreLimitZero() (*coreLimit, error) { return nil, nil }

func restoreCoreLimit(*coreLimit) {}
