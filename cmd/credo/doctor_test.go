package main

import (
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdSTSRoot makes the fake STS take ACCESS_KEY_ID for an account's root
// user's key.
//
// usage: sts-root ACCESS_KEY_ID
func cmdSTSRoot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sts-root ACCESS_KEY_ID")
	}
	fake(ts).AddRoot(args[0], "")
}

// cmdSTSClock sets the fake STS's clock (and so the Date of its answers)
// OFFSET from this machine's, as a skewed local clock would see STS.
//
// usage: sts-clock OFFSET
func cmdSTSClock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sts-clock OFFSET")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	fake(ts).SetNow(func() time.Time { return time.Now().Add(d) })
}
