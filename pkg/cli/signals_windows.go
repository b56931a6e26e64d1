//go:build windows

package cli

import "os"

// forwardedSignals: on Windows the console delivers Ctrl-C to the child itself.
var forwardedSignals = []os.Signal{}
