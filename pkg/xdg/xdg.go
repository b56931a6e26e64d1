// Package xdg finds the folders credo keeps its files in, by the XDG Base
// Directory rules (and Windows's LocalAppData), with the environment read
// through a getenv function: the one place for "the home folder is HOME,
// else USERPROFILE" and "$XDG_*_HOME when it is absolute, else ~/...".
// Standard library only; every package may use it.
package xdg

import (
	"path/filepath"
	"runtime"
)

// Home is the home folder: HOME, else USERPROFILE (Windows), else "".
func Home(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	return getenv("USERPROFILE")
}

// Base folders, each with its variable and the folder under home it falls
// back to.
var (
	Config = Base{Var: "XDG_CONFIG_HOME", Fallback: ".config"}
	Data   = Base{Var: "XDG_DATA_HOME", Fallback: filepath.Join(".local", "share"), LocalAppData: true}
	State  = Base{Var: "XDG_STATE_HOME", Fallback: filepath.Join(".local", "state"), LocalAppData: true}
)

// Base is one of the XDG base folders.
type Base struct {
	// Var is its variable, used when it holds an absolute path (the spec
	// says to ignore a relative one).
	Var string
	// Fallback is the folder under the home folder used otherwise.
	Fallback string
	// LocalAppData makes %LOCALAPPDATA% the folder on Windows, before the
	// fallback.
	LocalAppData bool
}

// Credo returns credo's folder in b ($XDG_…/credo, %LOCALAPPDATA%\credo
// or ~/<fallback>/credo), or "" when there is no home folder to fall back
// on.
func (b Base) Credo(getenv func(string) string) string {
	if d := getenv(b.Var); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "credo")
	}
	if b.LocalAppData && runtime.GOOS == "windows" {
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "credo")
		}
	}
	if h := Home(getenv); h != "" {
		return filepath.Join(h, b.Fallback, "credo")
	}
	return ""
}
