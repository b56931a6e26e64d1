package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test binary doubles as a writer process: with AUDIT_TEST_WRITER set
// it appends AUDIT_TEST_LINES entries to AUDIT_TEST_PATH and exits.
func TestMain(m *testing.M) {
	if path := os.Getenv("AUDIT_TEST_WRITER"); path != "" {
		n, _ := strconv.Atoi(os.Getenv("AUDIT_TEST_LINES"))
		max, _ := strconv.ParseInt(os.Getenv("AUDIT_TEST_MAX"), 10, 64)
		for i := 0; i < n; i++ {
			e := Entry{Profile: "p", Source: "cache", AccessKeyID: fmt.Sprintf("ASIA%08dEXAMPLE", i), Via: ViaExport, PID: os.Getpid(), Process: "writer-" + strconv.Itoa(i)}
			if err := Append(path, max, e); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writers runs procs writer processes of lines entries each, all at once.
func writers(t *testing.T, path string, procs, lines int, max int64) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for i := 0; i < procs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), "AUDIT_TEST_WRITER="+path, "AUDIT_TEST_LINES="+strconv.Itoa(lines), "AUDIT_TEST_MAX="+strconv.FormatInt(max, 10))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("writer: %v: %s", err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Issue 12: many processes appending at once lose no line and never
// interleave two lines.
func TestConcurrentWritersLoseNoLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "credo", FileName)
	const procs, lines = 12, 150
	writers(t, path, procs, lines, 0)
	entries, skipped, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if skipped != 0 || len(entries) != procs*lines {
		t.Fatalf("%d entries and %d broken lines, want %d and 0", len(entries), skipped, procs*lines)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		k := strconv.Itoa(e.PID) + "/" + e.Process
		if seen[k] {
			t.Fatalf("line %s twice", k)
		}
		seen[k] = true
	}
	pids := map[int]int{}
	for _, e := range entries {
		pids[e.PID]++
	}
	for pid, n := range pids {
		if n != lines {
			t.Errorf("pid %d: %d lines, want %d", pid, n, lines)
		}
	}
	checkModes(t, path)
}

// Rotation under concurrent writers keeps every line whole and the files
// bounded; only one process rotates a full log.
func TestConcurrentRotationStaysBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credo", FileName)
	const max = 8 << 10
	const procs, lines = 8, 200
	writers(t, path, procs, lines, max)
	entries, skipped, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if skipped != 0 {
		t.Fatalf("%d broken lines", skipped)
	}
	if len(entries) == 0 {
		t.Fatal("no entries left")
	}
	lineLen := 400 // an entry of the writers is well under this
	for _, p := range []string{path, path + ".1"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		// A writer that opened the log before another rotated it appends
		// its one line to the rotated file.
		if fi.Size() > max+int64(procs*lineLen) {
			t.Errorf("%s is %d bytes, above %d", p, fi.Size(), max)
		}
	}
	if _, err := os.Stat(path + ".2"); err == nil {
		t.Error("more than one rotated file")
	}
	checkModes(t, path)
}

func TestRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	const max = 4 << 10
	var ids []string
	for i := 0; i < 60; i++ {
		id := fmt.Sprintf("ASIA%08dEXAMPLE", i)
		ids = append(ids, id)
		if err := Append(path, max, Entry{Profile: "p", AccessKeyID: id, Source: "cache", Via: ViaExec}); err != nil {
			t.Fatal(err)
		}
	}
	cur, _ := os.Stat(path)
	old, err := os.Stat(path + ".1")
	if err != nil {
		t.Fatal("no rotated file:", err)
	}
	if cur.Size() > max || old.Size() > max {
		t.Fatalf("sizes %d and %d, limit %d", cur.Size(), old.Size(), max)
	}
	entries, _, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	// The newest entries are all there, oldest first, and the last is last.
	if n := len(entries); n < 20 || entries[n-1].AccessKeyID != ids[len(ids)-1] {
		t.Fatalf("%d entries, last %+v", n, entries[len(entries)-1])
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].AccessKeyID <= entries[i-1].AccessKeyID {
			t.Fatalf("entries out of order at %d", i)
		}
	}
}

// A log that cannot be rotated (here audit.log.1 is a folder, as it would
// be after a rename that keeps failing) still gets every line, past its
// size limit; the failure is returned for a warning.
func TestRotationFailureKeepsLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.MkdirAll(filepath.Join(path+".1", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	const max, n = 4 << 10, 40
	warned := 0
	for i := 0; i < n; i++ {
		err := Append(path, max, Entry{Profile: "p", AccessKeyID: fmt.Sprintf("ASIA%08dEXAMPLE", i), Source: "cache", Via: ViaExec})
		if err != nil {
			if !strings.Contains(err.Error(), "rotating") {
				t.Fatalf("line %d: %v", i, err)
			}
			warned++
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries int
	skipped, err := scan(f, func(Entry) { entries++ })
	if err != nil {
		t.Fatal(err)
	}
	if entries != n || skipped != 0 {
		t.Fatalf("%d entries, %d skipped; want %d, 0", entries, skipped, n)
	}
	if warned == 0 {
		t.Fatal("no rotation failure reported")
	}
}

func TestEntryFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	exp := time.Date(2026, 11, 30, 13, 0, 0, 0, time.FixedZone("x", 3600))
	e := Entry{Time: time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC), Profile: "prod", Roles: []string{"arn:aws:iam::1:role/a"},
		Source: "AssumeRole", MFA: true, AccessKeyID: "ASIAEXAMPLE", Expiration: &exp, Via: ViaExport, Format: "json", PID: 7, Process: "python3", PPID: 6, Parent: "bash"}
	if err := Append(path, 0, e); err != nil {
		t.Fatal(err)
	}
	if err := Append(path, 0, Entry{Time: e.Time, Profile: "dev", Source: "static", AccessKeyID: "AKIAEXAMPLE", Via: ViaExec, PID: 8}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := `{"time":"2026-11-30T12:00:00.123Z","profile":"prod","roles":["arn:aws:iam::1:role/a"],"source":"AssumeRole","mfa":true,"access_key_id":"ASIAEXAMPLE","expiration":"2026-11-30T12:00:00Z","via":"export","format":"json","pid":7,"process":"python3","ppid":6,"parent":"bash"}
{"time":"2026-11-30T12:00:00.123Z","profile":"dev","roles":[],"source":"static","mfa":false,"access_key_id":"AKIAEXAMPLE","via":"exec","pid":8}
`
	if string(data) != want {
		t.Fatalf("log:\n%s\nwant:\n%s", data, want)
	}
}

func TestReadSkipsBrokenLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	cut := `{"time":"2026-11-30T12:00:01Z","prof`
	glued := `{"time":"2026-11-30T12:00:02Z","profile":"b"}`
	if err := os.WriteFile(path, []byte(`{"time":"2026-11-30T12:00:00Z","profile":"a"}`+"\n"+cut+"\nnot json\n\n"+cut+glued+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	entries, skipped, err := Read(path)
	if err != nil || len(entries) != 2 || skipped != 3 || entries[1].Profile != "b" || string(entries[1].Line()) != glued {
		t.Fatalf("entries %v, skipped %d, err %v", entries, skipped, err)
	}
	if entries, skipped, err := Read(filepath.Join(t.TempDir(), "none")); err != nil || len(entries) != 0 || skipped != 0 {
		t.Fatalf("missing log: %v %d %v", entries, skipped, err)
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"}
	getenv := func(k string) string { return env[k] }
	c := NewConfig(true, 10<<20, getenv)
	if c.Off || c.MaxSize != 10<<20 || c.Path != filepath.Join("/state", "credo", FileName) {
		t.Fatalf("defaults: %+v", c)
	}
	if c := NewConfig(false, 0, getenv); !c.Off || c.MaxSize != 4<<10 {
		t.Fatalf("off, size 0: %+v", c)
	}
	delete(env, "XDG_STATE_HOME")
	if runtime.GOOS != "windows" {
		if c := NewConfig(true, 0, getenv); c.Path != "/home/u/.local/state/credo/audit.log" {
			t.Fatalf("without XDG_STATE_HOME: %s", c.Path)
		}
	}
	if err := Record(Config{Off: true}, Entry{}); err != nil {
		t.Fatal(err)
	}
}

func TestRequester(t *testing.T) {
	var e Entry
	e.RanBy()
	if e.PID != os.Getppid() {
		t.Fatalf("pid %d, want %d", e.PID, os.Getppid())
	}
	e.Runs("/usr/bin/terraform", os.Getpid(), os.Getppid())
	if e.Process != "terraform" || e.PID != os.Getpid() {
		t.Fatalf("%+v", e)
	}
	if runtime.GOOS == "linux" {
		if got := ProcName(os.Getpid()); !strings.HasPrefix("audit.test", got) || got == "" {
			t.Errorf("ProcName(self) = %q", got)
		}
		if got := ParentOf(os.Getpid()); got != os.Getppid() {
			t.Errorf("ParentOf(self) = %d, want %d", got, os.Getppid())
		}
	}
}

func checkModes(t *testing.T, path string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", path, fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Dir(path))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("%s mode %v, want 0700", filepath.Dir(path), di.Mode().Perm())
	}
}

// The hand-written encoder writes what encoding/json would.
func TestEncodingMatchesJSON(t *testing.T) {
	exp := time.Date(2026, 11, 30, 13, 0, 0, 5, time.UTC)
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "new\nline\ttab\rcr\x00\x1f", "<html> & more", "caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff utf8 \xc3"} {
		for _, e := range []Entry{
			{Time: exp, Profile: s, Roles: []string{s, "arn"}, Source: s, AccessKeyID: s, Via: s, Process: s, Parent: s, Format: s, PID: 1, PPID: 2, MFA: true, Expiration: &exp},
			{Time: exp, Profile: s},
		} {
			want, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			if e.Roles == nil {
				// Append writes [] for no roles; encoding/json writes null.
				want = bytes.Replace(want, []byte(`"roles":null`), []byte(`"roles":[]`), 1)
			}
			if got := e.appendJSON(nil); !bytes.Equal(got, want) {
				t.Errorf("%q:\n got %s\nwant %s", s, got, want)
			}
		}
	}
}
