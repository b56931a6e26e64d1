package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/credo-cli/credo/pkg/config"
)

func statuses(fs []Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, string(f.Status))
	}
	return strings.Join(s, ",")
}

func TestKeyAges(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	got := KeyAges([]StoredKey{
		{Profile: "new", AccessKeyID: "AKIAEXAMPLE1", Added: now.AddDate(0, 0, -89)},
		{Profile: "old", AccessKeyID: "AKIAEXAMPLE2", Added: now.AddDate(0, 0, -91)},
		{Profile: "unknown", AccessKeyID: "AKIAEXAMPLE3"},
	}, now)
	if statuses(got) != "ok,warn,info" {
		t.Fatalf("%+v", got)
	}
	if got[1].Fix != "rotate it: credo rotate old" || !strings.Contains(got[1].Message, "91 days ago") {
		t.Errorf("%+v", got[1])
	}
}

func TestBinaries(t *testing.T) {
	same := func(string) (string, error) { return "credo version 1.2.3", nil }
	other := func(string) (string, error) { return "credo version 1.0.0", nil }
	broken := func(string) (string, error) { return "", errors.New("exec format error") }
	for _, tc := range []struct {
		path    string
		version func(string) (string, error)
		want    Status
	}{
		{"/bin/credo", same, OK},
		{"/bin/credo", other, Fail},
		{"/bin/credo", broken, Fail},
		{"", same, Warn},
	} {
		if got := Binaries("/bin/credo-core", "credo version 1.2.3", tc.path, "credo", tc.version); got.Status != tc.want {
			t.Errorf("%q: %+v, want %s", tc.path, got, tc.want)
		}
	}
}

func TestFolders(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	open := filepath.Join(dir, "open")
	file := filepath.Join(dir, "file")
	link := filepath.Join(dir, "link")
	for _, d := range []string{good, open} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	got := Folders([]Folder{
		{What: "a", Path: good, Dir: true, Mode: 0o700, Fail: true},
		{What: "b", Path: open, Dir: true, Mode: 0o700, Fail: true},
		{What: "c", Path: file, Dir: true, Mode: 0o700, Fail: true},
		{What: "d", Path: link, Dir: true, Mode: 0o700, Fail: true},
		{What: "e", Path: filepath.Join(dir, "missing"), Dir: true, Mode: 0o700},
		{What: "f", Path: link, Dir: true, Mode: 0o700},
	})
	if s := statuses(got); s != "ok,warn,fail,fail,ok,warn" {
		t.Fatalf("statuses %s: %+v", s, got)
	}
	if got[1].Fix != "chmod 700 "+open {
		t.Errorf("fix %q", got[1].Fix)
	}
}

func TestClock(t *testing.T) {
	var offset time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		offset time.Duration
		want   Status
	}{{0, OK}, {90 * time.Second, Warn}, {-2 * time.Minute, Warn}, {6 * time.Minute, Fail}, {-time.Hour, Fail}} {
		offset = tc.offset
		if got := Clock(context.Background(), srv.Client(), srv.URL, time.Now); got.Status != tc.want {
			t.Errorf("offset %s: %+v, want %s", tc.offset, got, tc.want)
		}
	}
	srv.Close()
	if got := Clock(context.Background(), srv.Client(), srv.URL, time.Now); got.Status != Warn {
		t.Errorf("unreachable: %+v", got)
	}
}

func TestMFAAndRoot(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config")
	credPath := filepath.Join(dir, "credentials")
	if err := os.WriteFile(cfgPath, []byte("[profile user]\n[profile mfa]\nmfa_serial = arn:aws:iam::123456789012:mfa/x\n[profile role]\nsource_profile = user\nrole_arn = arn:aws:iam::123456789012:role/r\nmfa_serial = arn:aws:iam::123456789012:mfa/x\n[profile static]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credPath, []byte("[static]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	findings, cfg := ConfigFiles(config.Files{ConfigPath: cfgPath, CredentialsPath: credPath}, nil)
	if statuses(findings) != "ok" {
		t.Fatalf("%+v", findings)
	}
	got := MFA(cfg, map[string]bool{"user": true, "mfa": true})
	var msgs []string
	for _, f := range got {
		msgs = append(msgs, f.Message)
	}
	want := []string{
		`profile "static" uses the long-term keys of "static" with no mfa_serial in its chain`,
		`profile "user" uses the long-term keys of "user" with no mfa_serial in its chain`,
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}

	root := RootKeys([]StoredKey{{Profile: "a"}, {Profile: "b"}, {Profile: "c"}}, func(k StoredKey) Identity {
		switch k.Profile {
		case "a":
			return Identity{ARN: "arn:aws:iam::123456789012:user/alice"}
		case "b":
			return Identity{ARN: "arn:aws:iam::123456789012:root"}
		}
		return Identity{Err: errors.New("InvalidClientTokenId")}
	})
	if statuses(root) != "ok,warn,fail" || root[1].Fix != RootAdvice {
		t.Fatalf("%+v", root)
	}
}

func TestReport(t *testing.T) {
	var r Report
	r.Add(Finding{Check: "a", Status: OK, Message: "fine"}, Finding{Check: "b", Status: Warn, Message: "hm", Fix: "do x"})
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil || r.Failed() {
		t.Fatal(err)
	}
	if want := "ok    a: fine\nwarn  b: hm\n      fix: do x\n\nNothing would make a command fail; 1 warning(s).\n"; b.String() != want {
		t.Fatalf("%q", b.String())
	}
	r.Add(Finding{Check: "c", Status: Fail, Message: "broken"})
	b.Reset()
	if err := r.WriteJSON(&b); err != nil || !r.Failed() || !strings.Contains(b.String(), `"ok": false`) {
		t.Fatalf("%v %s", err, b.String())
	}
}

func TestEndpoints(t *testing.T) {
	got := Endpoints("prod", []Endpoint{
		{Service: "STS", URL: "https://sts.eu-west-1.amazonaws.com", From: "default"},
		{Service: "IAM", URL: "http://127.0.0.1:4566", From: "AWS_ENDPOINT_URL"},
		{Service: "SSO", URL: "http://sso.example.com", From: "the profile's endpoint_url or services section"},
	})
	if statuses(got) != "info,info,warn" {
		t.Fatalf("%+v", got)
	}
	if got[0].Message != `profile "prod": STS calls go to https://sts.eu-west-1.amazonaws.com (default)` || !strings.Contains(got[2].Fix, "use https") {
		t.Errorf("%+v", got)
	}
}

// TestReportBounds: a message or fix of 1 MB is cut in both outputs, and
// the text shows 20 findings of one check and status, then a count.
func TestReportBounds(t *testing.T) {
	var r Report
	huge := strings.Repeat("é", 1<<19)
	r.Add(Finding{Check: "config", Status: Fail, Message: huge, Fix: huge})
	for i := 0; i < 30; i++ {
		r.Add(Finding{Check: "config", Status: Fail, Message: fmt.Sprintf("problem %d", i)})
	}
	var text, js strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String()} {
		for _, l := range strings.Split(out, "\n") {
			if len(l) > 1100 || !utf8.ValidString(l) {
				t.Errorf("%s: a line of %d bytes (valid UTF-8: %v)", name, len(l), utf8.ValidString(l))
			}
		}
	}
	if n := strings.Count(text.String(), "fail  config:"); n != 21 {
		t.Errorf("text: %d config lines, want 20 and the count:\n%s", n, text.String())
	}
	if !strings.Contains(text.String(), "fail  config: ... and 11 more like these") {
		t.Errorf("text: no count of the others:\n%s", text.String())
	}
	if !strings.Contains(js.String(), "problem 29") || !strings.Contains(text.String(), "31 problem(s)") {
		t.Error("json lists every finding, and the summary counts them all")
	}
}
