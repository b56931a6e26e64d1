package main

import (
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// cmdFakeSTS starts the fake STS for the rest of the script and points
// credo at it with AWS_ENDPOINT_URL_STS. It accepts any long-term key id and
// the MFA code 123456 unless told otherwise.
//
// usage: fakests [-mfa CODE] [-strict]
func cmdFakeSTS(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: fakests [-mfa CODE] [-strict]")
	}
	srv, err := stsfake.Start("127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { _ = srv.Close() })
	srv.AcceptUnknownKeys(true)
	srv.SetMFACode("123456")
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-mfa":
			i++
			srv.SetMFACode(args[i])
		case "-strict":
			srv.AcceptUnknownKeys(false)
		default:
			ts.Fatalf("fakests: unknown argument %q", args[i])
		}
	}
	ts.Setenv("AWS_ENDPOINT_URL_STS", srv.URL())
	ts.Setenv("FAKESTS_URL", srv.URL())
	ts.Value(fakeKey{}).(*holder).srv = srv
}

type fakeKey struct{}

type holder struct{ srv *stsfake.Server }

func fake(ts *testscript.TestScript) *stsfake.Server {
	h := ts.Value(fakeKey{}).(*holder)
	if h.srv == nil {
		ts.Fatalf("no fakests running")
	}
	return h.srv
}

// cmdSTSCalls checks how many calls of an action the fake STS answered.
//
// usage: sts-calls ACTION N
func cmdSTSCalls(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sts-calls ACTION N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := fake(ts).Calls(args[0])
	if (got == want) == neg {
		ts.Fatalf("fake STS answered %d %s calls, want %d", got, args[0], want)
	}
}

// cmdSTSFail makes the fake STS answer the next N calls of ACTION with an error.
//
// usage: sts-fail N ACTION Throttling|ExpiredToken|InvalidClientTokenId|RegionDisabled|MFAFailed|InternalFailure|AccessDenied
func cmdSTSFail(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: sts-fail N ACTION CODE [MESSAGE]")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	var e stsfake.Error
	switch args[2] {
	case "Throttling":
		e = stsfake.Throttling()
	case "ExpiredToken":
		e = stsfake.ExpiredToken()
	case "InvalidClientTokenId":
		e = stsfake.InvalidClientTokenID()
	case "RegionDisabled":
		e = stsfake.RegionDisabled()
	case "MFAFailed":
		e = stsfake.MFAFailed()
	case "InternalFailure":
		e = stsfake.InternalFailure()
	case "AccessDenied":
		e = stsfake.AccessDenied(strings.Join(args[3:], " "))
	default:
		ts.Fatalf("sts-fail: unknown error %q", args[2])
	}
	fake(ts).FailNext(n, args[1], e)
}

// cmdSTSRevoke makes the fake refuse a key from now on.
//
// usage: sts-revoke ACCESS_KEY_ID
func cmdSTSRevoke(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sts-revoke ACCESS_KEY_ID")
	}
	fake(ts).Revoke(args[0])
}

// cmdSTSSigned checks how many calls the fake STS answered that were
// signed with the access key KEY (whatever their action).
//
// usage: sts-signed KEY N
func cmdSTSSigned(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sts-signed KEY N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := 0
	for _, r := range fake(ts).Requests() {
		if r.AccessKeyID == args[0] {
			got++
		}
	}
	if (got == want) == neg {
		ts.Fatalf("fake STS answered %d calls signed with %s, want %d", got, args[0], want)
	}
}

// cmdSTSLast checks a form value of the last call of an action the fake
// STS answered ("" matches a value that was not sent).
//
// usage: sts-last ACTION KEY VALUE
func cmdSTSLast(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: sts-last ACTION KEY VALUE")
	}
	var last *stsfake.Request
	for _, r := range fake(ts).Requests() {
		if r.Action == args[0] {
			r := r
			last = &r
		}
	}
	if last == nil {
		ts.Fatalf("no %s call", args[0])
	}
	if got := last.Form.Get(args[1]); (got == args[2]) == neg {
		ts.Fatalf("last %s: %s = %q, want %q", args[0], args[1], got, args[2])
	}
}
