package prompt

import (
	"slices"
	"testing"
)

// TestDriverNames: the constants are the names the prompt setting accepts.
func TestDriverNames(t *testing.T) {
	consts := []string{DriverTerminal, DriverYkman, DriverZenity, DriverKdialog, DriverOsascript}
	if !slices.Equal(consts, Drivers()) {
		t.Errorf("constants %q, setting values %q", consts, Drivers())
	}
}
