//go:build !unix

package creds

import "os/exec"

// ownGroup: stopping cmd kills the command itself (exec's default).
func ownGroup(*exec.Cmd) {}
