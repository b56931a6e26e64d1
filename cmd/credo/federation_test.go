package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// cmdFakeFederation starts a fake AWS console federation endpoint for the
// rest of the script and points credo at it with CREDO_FEDERATION_ENDPOINT
// (also exported as FEDERATION_URL). Every getSigninToken request appends
// one line to $WORK/federation.log:
//
//	getSigninToken SessionDuration=3600 arn=arn:aws:sts::123456789012:assumed-role/Admin/credo-1
//
// SessionDuration is "-" when the request had none; arn is the identity
// the fake STS issued the Session's credentials to ("-" when fakests was
// not started first or did not issue them). A malformed request is logged
// as "bad ..." and answered 400. Each answer is {"SigninToken":"token-N"}.
//
// usage: fakefederation [-status CODE]
func cmdFakeFederation(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: fakefederation [-status CODE]")
	}
	status := http.StatusOK
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-status":
			i++
			if i == len(args) {
				ts.Fatalf("fakefederation: -status needs a code")
			}
			n, err := strconv.Atoi(args[i])
			ts.Check(err)
			status = n
		default:
			ts.Fatalf("fakefederation: unknown argument %q", args[i])
		}
	}
	// The fake STS, if fakests ran before this command, tells whose
	// credentials a Session carries.
	var sts *stsfake.Server
	if h, ok := ts.Value(fakeKey{}).(*holder); ok {
		sts = h.srv
	}
	f := &federation{log: filepath.Join(ts.Getenv("WORK"), "federation.log"), status: status, sts: sts}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	ts.Defer(func() { _ = srv.Close() })
	endpoint := "http://" + ln.Addr().String() + "/federation"
	ts.Setenv("CREDO_FEDERATION_ENDPOINT", endpoint)
	ts.Setenv("FEDERATION_URL", endpoint)
}

type federation struct {
	log    string
	status int
	sts    *stsfake.Server

	mu sync.Mutex
	n  int
}

func (f *federation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	var sess map[string]string
	switch {
	case r.Method != http.MethodGet || r.URL.Path != "/federation":
		f.bad(w, fmt.Sprintf("bad request %s %s", r.Method, r.URL.Path))
		return
	case q.Get("Action") != "getSigninToken":
		f.bad(w, fmt.Sprintf("bad Action %q", q.Get("Action")))
		return
	case json.Unmarshal([]byte(q.Get("Session")), &sess) != nil:
		f.bad(w, "bad Session: not a JSON object of strings")
		return
	}
	for _, k := range []string{"sessionId", "sessionKey", "sessionToken"} {
		if sess[k] == "" {
			f.bad(w, "bad Session: no "+k)
			return
		}
	}
	if len(sess) != 3 {
		f.bad(w, fmt.Sprintf("bad Session: %d fields", len(sess)))
		return
	}
	for k := range q {
		if k != "Action" && k != "Session" && k != "SessionDuration" {
			f.bad(w, "bad parameter "+k)
			return
		}
	}
	duration := "-"
	if _, ok := q["SessionDuration"]; ok {
		duration = q.Get("SessionDuration")
	}
	arn := "-"
	if f.sts != nil {
		for _, c := range f.sts.Issued() {
			if c.AccessKeyID == sess["sessionId"] && c.SecretAccessKey == sess["sessionKey"] && c.SessionToken == sess["sessionToken"] {
				arn = c.ARN
			}
		}
	}
	f.record("getSigninToken SessionDuration=" + duration + " arn=" + arn)
	if f.status != http.StatusOK {
		http.Error(w, "Bad Request", f.status)
		return
	}
	f.n++
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"SigninToken":"token-%d"}`, f.n)
}

func (f *federation) bad(w http.ResponseWriter, line string) {
	f.record(line)
	http.Error(w, "Bad Request", http.StatusBadRequest)
}

// record appends a line to the log; f.mu is held.
func (f *federation) record(line string) {
	fh, err := os.OpenFile(f.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer fh.Close()
	_, _ = fh.WriteString(strings.ReplaceAll(line, "\n", " ") + "\n")
}
