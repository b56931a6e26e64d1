package xdg

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestCredo(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		base Base
		want string
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, Config, "/x/credo"},
		{map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": "/h"}, Config, "/h/.config/credo"},
		{map[string]string{"USERPROFILE": "/u"}, Data, "/u/.local/share/credo"},
		{map[string]string{"HOME": "/h", "USERPROFILE": "/u"}, State, "/h/.local/state/credo"},
		{map[string]string{}, State, ""},
	} {
		got := tc.base.Credo(func(k string) string { return tc.env[k] })
		if runtime.GOOS != "windows" && got != filepath.FromSlash(tc.want) {
			t.Errorf("%s with %v: %q, want %q", tc.base.Var, tc.env, got, tc.want)
		}
	}
}
