//go:build windows

package cli

import "os"

// forwardedSignals: on Windows the console delivers Ctrl-C to the child itself.
var forwardedSignals = []os.Signal{}

// terminalSignals: credo outlives its child on Ctrl-C (the console sends it
// to both).
var terminalSignals = []os.Signal{os.Interrupt}
