//go:build unix

// Command credo-soak attacks a built credo the way a security and
// reliability review did (issue 11) and prints the figures of
// docs/security.md as a table: kill -9 at random moments of writes, many
// writers of the AWS config file at once, fuzzing of every parser, and
// hostile inputs that must each get a clear error. It is `make soak`; it
// takes a few minutes and is not part of `make test`.
//
// Everything runs in a temporary HOME against a fake STS on 127.0.0.1.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

const (
	accessKeyID = "AKIAIOSFODNN7EXAMPLE"
	secretKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func main() {
	credo := flag.String("credo", "bin/credo", "the credo binary (credo-core beside it)")
	kills := flag.Int("kills", 150, "kill -9s to try during writes")
	writers := flag.Int("writers", 32, "parallel credo add processes per round")
	rounds := flag.Int("rounds", 3, "rounds of parallel writers")
	fuzzTime := flag.Duration("fuzztime", 15*time.Second, "fuzzing time per parser (0: skip)")
	flag.Parse()
	if err := run(*credo, *kills, *writers, *rounds, *fuzzTime); err != nil {
		fmt.Fprintln(os.Stderr, "credo-soak:", err)
		os.Exit(1)
	}
}

type soak struct {
	credo string
	dir   string
	sts   *stsfake.Server
}

// row is one line of the table.
type row struct {
	harness, triedName string
	tried              int
	failName           string
	failed             int
	note               string
}

func run(credo string, kills, writers, rounds int, fuzzTime time.Duration) error {
	abs, err := filepath.Abs(credo)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("%w (run make build first)", err)
	}
	dir, err := os.MkdirTemp("", "credo-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sts, err := stsfake.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sts.Close()
	sts.AcceptUnknownKeys(true)
	sts.SetMFACode("123456")
	s := &soak{credo: abs, dir: dir, sts: sts}

	start := time.Now()
	var rows []row
	r, err := s.killDuringWrites(kills)
	if err != nil {
		return err
	}
	rows = append(rows, r)
	if r, err = s.parallelWriters(writers, rounds); err != nil {
		return err
	}
	rows = append(rows, r)
	if fuzzTime > 0 {
		if r, err = fuzzEveryParser(fuzzTime); err != nil {
			return err
		}
		rows = append(rows, r)
	}
	if r, err = s.hostileInputs(); err != nil {
		return err
	}
	rows = append(rows, r)

	fmt.Println()
	fmt.Println("| harness | tried | failed | notes |")
	fmt.Println("|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %d %s | %d %s | %s |\n", r.harness, r.tried, r.triedName, r.failed, r.failName, r.note)
	}
	fmt.Printf("\n(credo-soak, %s, %s)\n", time.Since(start).Round(time.Second), time.Now().UTC().Format("2006-01-02"))
	for _, r := range rows {
		if r.failed > 0 {
			return fmt.Errorf("%s: %d %s", r.harness, r.failed, r.failName)
		}
	}
	return nil
}

// home makes a fresh HOME under the soak folder and returns the
// environment of every credo started in it.
func (s *soak) home(name string) ([]string, string, error) {
	h := filepath.Join(s.dir, name)
	for _, d := range []string{filepath.Join(h, ".aws"), filepath.Join(h, "run")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, "", err
		}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + h,
		"USER=soak",
		"XDG_RUNTIME_DIR=" + filepath.Join(h, "run"),
		"XDG_CONFIG_HOME=" + filepath.Join(h, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(h, ".local", "share"),
		"AWS_CONFIG_FILE=" + filepath.Join(h, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(h, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_STS=" + s.sts.URL(),
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"CREDO_BACKEND=file",
		"CREDO_FILE_DIR=" + filepath.Join(h, "keyring"),
		"CREDO_FILE_PASSPHRASE=soak passphrase 1234",
		"CREDO_AUDIT_LOG=false",
		// Nothing kept in the kernel's key store: each process unlocks the
		// keyring itself, and the user's own session keyring is left alone.
		"CREDO_UNLOCK_TIMEOUT=0",
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
	}
	return env, h, nil
}

type result struct {
	code           int
	stdout, stderr string
	killed         bool
}

// credoRun runs credo with env, stdin and args, killing it with SIGKILL after
// killAfter when that is above 0, or after a minute in any case.
func (s *soak) credoRun(env []string, stdin string, killAfter time.Duration, args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.credo, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	// A session of its own: no controlling terminal, as in a script, so
	// that nothing waits for a prompt.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return result{code: -1, stderr: err.Error()}
	}
	var killed bool
	if killAfter > 0 {
		t := time.AfterFunc(killAfter, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		defer t.Stop()
	}
	err := cmd.Wait()
	res := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			killed = true
		}
	} else if err != nil {
		res.code = -1
	}
	res.killed = killed
	return res
}

// killDuringWrites kills credo -9 at random moments of `add` (new profiles
// and replaced keys) and of session writes (`export` with nothing cached),
// then checks that every key confirmed stored still reads back, that no
// item is left unreadable, and that no temporary file stays beside the
// AWS config file.
func (s *soak) killDuringWrites(kills int) (row, error) {
	env, h, err := s.home("kills")
	if err != nil {
		return row{}, err
	}
	keys := accessKeyID + "\n" + secretKey + "\n"
	const bases = 8
	var typical time.Duration
	for i := 0; i < bases; i++ {
		t0 := time.Now()
		if r := s.credoRun(env, keys, 0, "add", fmt.Sprintf("base%d", i)); r.code != 0 {
			return row{}, fmt.Errorf("credo add: %s", r.stderr)
		}
		typical = max(typical, time.Since(t0))
	}
	confirmed := map[string]bool{}
	for i := 0; i < bases; i++ {
		confirmed[fmt.Sprintf("base%d", i)] = true
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tried, unclean := 0, 0
	for i := 0; i < kills; i++ {
		delay := time.Duration(rng.Int64N(int64(typical))) + time.Millisecond
		var r result
		switch i % 3 {
		case 0: // a new profile
			r = s.credoRun(env, keys, delay, "add", fmt.Sprintf("new%d", i))
			if r.code == 0 && !r.killed {
				confirmed[fmt.Sprintf("new%d", i)] = true
			}
		case 1: // replace the key of a confirmed profile
			r = s.credoRun(env, keys, delay, "add", "--force", fmt.Sprintf("base%d", i%bases))
		case 2: // a session write
			_ = s.credoRun(env, "", 0, "clear", fmt.Sprintf("base%d", i%bases))
			r = s.credoRun(env, "", delay, "export", "--format", "json", fmt.Sprintf("base%d", i%bases))
		}
		if r.killed {
			tried++
		}
	}
	// Every confirmed key reads back, and nothing in the keyring is
	// unreadable: list, then one export of each profile it names.
	lost := 0
	for p := range confirmed {
		r := s.credoRun(env, "", 0, "export", "--no-session", "--format", "json", p)
		if r.code != 0 || !strings.Contains(r.stdout, accessKeyID) {
			lost++
			fmt.Fprintf(os.Stderr, "credo-soak: key of %s lost: %s", p, r.stderr)
		}
	}
	lr := s.credoRun(env, "", 0, "list", "--json")
	var entries []struct {
		Profile    string `json:"profile"`
		StoredKeys bool   `json:"stored_keys"`
	}
	if err := json.Unmarshal([]byte(lr.stdout), &entries); err != nil {
		return row{}, fmt.Errorf("credo list --json: %v: %s", err, lr.stderr)
	}
	for _, e := range entries {
		if !e.StoredKeys || confirmed[e.Profile] {
			continue
		}
		// Killed before it was confirmed: either stored whole or absent.
		if r := s.credoRun(env, "", 0, "export", "--no-session", "--format", "json", e.Profile); r.code != 0 {
			unclean++
			fmt.Fprintf(os.Stderr, "credo-soak: item of %s unreadable after a kill: %s", e.Profile, r.stderr)
		}
	}
	// One more add cleans what a killed writer left beside the config file.
	if r := s.credoRun(env, keys, 0, "add", "after-kills"); r.code != 0 {
		return row{}, fmt.Errorf("credo add after the kills: %s", r.stderr)
	}
	litter, _ := filepath.Glob(filepath.Join(h, ".aws", ".config.credo-*"))
	return row{
		harness: "kill -9 during `add` (new and replaced keys) and session writes", triedName: "kills",
		tried: tried, failName: "keys lost", failed: lost + unclean + len(litter),
		note: fmt.Sprintf("%d attempts (the others finished before the kill); %d confirmed keys checked; %d items unreadable after a kill; %d temporary files left", kills, len(confirmed), unclean, len(litter)),
	}, nil
}

// parallelWriters runs writers `credo add` processes at once, rounds
// times, each for a profile of its own, and counts the [profile] sections
// missing from the AWS config file afterwards.
func (s *soak) parallelWriters(writers, rounds int) (row, error) {
	env, h, err := s.home("writers")
	if err != nil {
		return row{}, err
	}
	keys := accessKeyID + "\n" + secretKey + "\n"
	failed := 0
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if res := s.credoRun(env, keys, 0, "add", fmt.Sprintf("w%d-%d", r, i)); res.code != 0 {
					mu.Lock()
					failed++
					mu.Unlock()
					fmt.Fprintf(os.Stderr, "credo-soak: add w%d-%d: %s", r, i, res.stderr)
				}
			}(i)
		}
		wg.Wait()
	}
	data, err := os.ReadFile(filepath.Join(h, ".aws", "config"))
	if err != nil {
		return row{}, err
	}
	missing := 0
	for r := 0; r < rounds; r++ {
		for i := 0; i < writers; i++ {
			if !bytes.Contains(data, []byte(fmt.Sprintf("[profile w%d-%d]\n", r, i))) {
				missing++
			}
		}
	}
	return row{
		harness: fmt.Sprintf("parallel `credo add` (%d at once, %d rounds)", writers, rounds), triedName: "writers",
		tried: writers * rounds, failName: "lost sections", failed: missing + failed,
		note: fmt.Sprintf("%d adds failed", failed),
	}, nil
}

// fuzzTargets are the fuzz tests of every parser (the Makefile's list).
var fuzzTargets = [][2]string{
	{"./pkg/config", "FuzzLoad"},
	{"./pkg/settings", "FuzzLoadFile"},
	{"./pkg/creds", "FuzzSTSAnswer"},
	{"./pkg/creds", "FuzzProcessOutput"},
	{"./pkg/keystore/filefast", "FuzzItem"},
}

var execsRE = regexp.MustCompile(`execs: (\d+)`)

// fuzzEveryParser runs each fuzz target for d and adds up its executions.
func fuzzEveryParser(d time.Duration) (row, error) {
	total, crashes := 0, 0
	for _, t := range fuzzTargets {
		cmd := exec.Command("go", "test", "-run", "^$", "-fuzz", "^"+t[1]+"$", "-fuzztime", d.String(), t[0])
		out, err := cmd.CombinedOutput()
		n := 0
		for _, m := range execsRE.FindAllSubmatch(out, -1) {
			if v, _ := strconv.Atoi(string(m[1])); v > n {
				n = v
			}
		}
		total += n
		if err != nil {
			crashes++
			fmt.Fprintf(os.Stderr, "credo-soak: %s %s failed:\n%s\n", t[0], t[1], lastLines(out, 20))
		}
	}
	return row{
		harness: fmt.Sprintf("fuzzing every parser (%d targets, %s each)", len(fuzzTargets), d), triedName: "executions",
		tried: total, failName: "crashes", failed: crashes,
		note: "AWS config, settings file, STS answers through the SDK, credential_process output, keyring items",
	}, nil
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// unclearPhrases are what the review found in unclear errors: Go's own
// wording, which says neither what went wrong for the user nor what to do.
var unclearPhrases = []string{
	"panic", "goroutine ", "runtime error", "WaitDelay", "is a directory", "file name too long",
	"unexpected EOF", "invalid character", "<nil>", "%!",
}

// clear reports why the outcome of a hostile input is not a clear error:
// a non-zero exit, a first line "credo: ...", at most a hint after it (a
// few lines for a config with several problems), short lines, none of
// Go's own phrases.
func clear(r result, foreign bool, extraBad ...string) string {
	if r.code == 0 {
		return "exit status 0"
	}
	if r.code < 0 {
		return "did not finish: " + r.stderr
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	for foreign && len(lines) > 1 && !strings.HasPrefix(lines[0], "credo: ") {
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "credo: ") {
		return "no credo: line"
	}
	if len(lines) > 6 {
		return fmt.Sprintf("%d lines", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "credo: ") {
			return "a line without credo: " + l
		}
		if len(l) > 1100 {
			return fmt.Sprintf("a line of %d bytes", len(l))
		}
		for _, p := range append(unclearPhrases, extraBad...) {
			if strings.Contains(l, p) {
				return "says " + strconv.Quote(p)
			}
		}
	}
	return ""
}

// hostile is one hostile input: its set-up in a fresh HOME, then one credo
// command that must fail clearly.
type hostile struct {
	name   string
	config string            // the AWS config file
	files  map[string]string // more files, by path under HOME
	env    []string
	setup  func(s *soak, env []string, h string) error
	sts    func(*stsfake.Server)
	stdin  string
	// foreign allows lines that are not credo's before its own: the
	// standard error of a command credo runs, which stays the user's.
	foreign bool
	args    []string
	bad     []string // phrases unclear for this case in particular
}

const base = "[profile dev]\nregion = us-east-1\n"

func (s *soak) hostileInputs() (row, error) {
	big := strings.Repeat("x", 1<<20)
	chain := &strings.Builder{}
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(chain, "[profile c%d]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = c%d\n", i, i+1)
	}
	fmt.Fprintf(chain, "[profile c2000]\nregion = us-east-1\n")
	addDev := func(s *soak, env []string, _ string) error {
		if r := s.credoRun(env, accessKeyID+"\n"+secretKey+"\n", 0, "add", "dev", "--add-config=false"); r.code != 0 {
			return fmt.Errorf("credo add dev: %s", r.stderr)
		}
		return nil
	}
	item := func(do func(path string) error) func(*soak, []string, string) error {
		return func(s *soak, env []string, h string) error {
			if err := addDev(s, env, h); err != nil {
				return err
			}
			files, _ := filepath.Glob(filepath.Join(h, "keyring", "*key*dev*"))
			if len(files) != 1 {
				return fmt.Errorf("the key item of dev: %q", files)
			}
			return do(files[0])
		}
	}
	script := func(name, body string) func(*soak, []string, string) error {
		return func(_ *soak, _ []string, h string) error {
			return os.WriteFile(filepath.Join(h, name), []byte("#!/bin/sh\n"+body+"\n"), 0o700)
		}
	}
	cp := func(name string) string {
		return "[profile p]\ncredential_process = $HOME/" + name + "\n"
	}
	cases := []hostile{
		// The AWS config file.
		{name: "a broken section header", config: "[profile dev\nregion = x\n", args: []string{"export", "dev"}},
		{name: "binary garbage as config", config: "\x00\x01\xff\xfe[\x00]\n\x7f=\x80\n", args: []string{"export", "dev"}},
		{name: "a 1 MB line of garbage", config: big + "\n", args: []string{"export", "dev"}},
		// argv holds at most 128 KiB per argument.
		{name: "a 1 MB profile name", config: "[profile " + big + "]\nregion = x\n", args: []string{"export", big[:100<<10]}},
		{name: "an unknown source_profile", config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = nope\n", args: []string{"export", "a"}},
		{name: "a source_profile cycle", config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = a\n", args: []string{"export", "a"}},
		{name: "a chain of 2,000 roles", config: chain.String(), args: []string{"export", "c0"}},
		{name: "role_arn without a source", config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/r\n", args: []string{"export", "a"}},
		{name: "a malformed role_arn", config: "[profile a]\nrole_arn = not-an-arn\nsource_profile = dev\n" + base, args: []string{"export", "a"}},
		{name: "duration_seconds out of range", config: "[profile dev]\nduration_seconds = 99999999999\n", args: []string{"export", "dev"}},
		{name: "a malformed mfa_serial", config: "[profile dev]\nmfa_serial = nope\n", args: []string{"export", "dev"}},
		{name: "the config file is a folder", setup: func(_ *soak, _ []string, h string) error {
			_ = os.Remove(filepath.Join(h, ".aws", "config"))
			return os.Mkdir(filepath.Join(h, ".aws", "config"), 0o700)
		}, args: []string{"export", "dev"}},
		{name: "an unknown profile", config: base, args: []string{"export", "nope"}},
		{name: "a 1 KB folder name in AWS_CONFIG_FILE", config: base, env: []string{"AWS_CONFIG_FILE=" + filepath.Join(s.dir, strings.Repeat("d", 1000), "config")}, args: []string{"export", "dev"}},
		{name: "a 1 KB folder name in CREDO_FILE_DIR", config: base, env: []string{"CREDO_FILE_DIR=" + filepath.Join(s.dir, strings.Repeat("d", 1000))}, args: []string{"export", "dev"}},
		// credo's settings.
		{name: "an unknown backend", config: base, env: []string{"CREDO_BACKEND=nope"}, args: []string{"export", "dev"}},
		{name: "a bad duration setting", config: base, env: []string{"CREDO_MIN_TTL=soon"}, args: []string{"export", "dev"}},
		{name: "an unknown settings key", config: base, files: map[string]string{".config/credo/config.yaml": "bakend: file\n"}, args: []string{"export", "dev"}},
		{name: "a settings file that is not YAML", config: base, files: map[string]string{".config/credo/config.yaml": "{[}\x00\n"}, args: []string{"export", "dev"}},
		{name: "the settings file is a folder", config: base, setup: func(_ *soak, _ []string, h string) error {
			return os.MkdirAll(filepath.Join(h, ".config", "credo", "config.yaml"), 0o700)
		}, args: []string{"export", "dev"}},
		// The keyring.
		{name: "no stored key", config: base, args: []string{"export", "dev"}},
		{name: "garbage in an item", config: base, setup: item(func(p string) error { return os.WriteFile(p, []byte("garbage"), 0o600) }), args: []string{"export", "dev"}},
		{name: "an empty item", config: base, setup: item(func(p string) error { return os.WriteFile(p, nil, 0o600) }), args: []string{"export", "dev"}},
		{name: "a tampered item", config: base, setup: item(func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 1
			return os.WriteFile(p, b, 0o600)
		}), args: []string{"export", "dev"}},
		{name: "a folder in place of an item", config: base, setup: item(func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Mkdir(p, 0o700)
		}), args: []string{"export", "dev"}},
		{name: "a dangling symbolic link as an item", config: base, setup: item(func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Symlink(filepath.Join(filepath.Dir(p), "nothing"), p)
		}), args: []string{"export", "dev"}},
		{name: "/dev/zero as an item", config: base, setup: item(func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Symlink("/dev/zero", p)
		}), args: []string{"export", "dev"}},
		{name: "a FIFO as an item", config: base, setup: item(func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return syscall.Mkfifo(p, 0o600)
		}), args: []string{"export", "dev"}},
		{name: "a wrong passphrase", config: base, setup: addDev, env: []string{"CREDO_FILE_PASSPHRASE=wrong passphrase"}, args: []string{"export", "dev"}},
		{name: "the keyring folder is a file", config: base, setup: func(_ *soak, _ []string, h string) error {
			return os.WriteFile(filepath.Join(h, "keyring"), []byte("x"), 0o600)
		}, args: []string{"export", "dev"}},
		// STS.
		{name: "a dead STS endpoint", config: base, setup: addDev, env: []string{"AWS_ENDPOINT_URL_STS=http://127.0.0.1:9"}, args: []string{"export", "dev"}},
		{name: "a 2 MB session token", config: base, setup: addDev, sts: func(f *stsfake.Server) { f.SetSessionTokenPadding(2 << 20) }, args: []string{"export", "dev"}},
		{name: "credentials already expired", config: base, setup: addDev, sts: func(f *stsfake.Server) { f.SetExpiry(-time.Hour) }, args: []string{"export", "dev"}},
		{name: "an STS answer that trickles in", config: base, setup: addDev, sts: func(f *stsfake.Server) { f.SetTrickle(300 * time.Millisecond) }, args: []string{"export", "dev"}, bad: []string{"no answer within"}},
		{name: "STS throttling", config: base, setup: addDev, sts: func(f *stsfake.Server) {
			f.FailNext(3, stsfake.ActionGetSessionToken, stsfake.Error{Status: 400, Type: "Sender", Code: "Throttling", Message: "Rate exceeded"})
		}, args: []string{"export", "dev"}},
		{name: "STS answers 500", config: base, setup: addDev, sts: func(f *stsfake.Server) {
			f.FailNext(3, stsfake.ActionGetSessionToken, stsfake.Error{Status: 500, Type: "Receiver", Code: "InternalFailure", Message: "oops"})
		}, args: []string{"export", "dev"}},
		{name: "a revoked key", config: base, setup: func(s *soak, env []string, h string) error {
			s.sts.AcceptUnknownKeys(false)
			return addDev(s, env, h)
		}, args: []string{"export", "dev"}},
		{name: "a wrong MFA code", config: "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/soak\n", setup: addDev, args: []string{"export", "dev", "-t", "654321"}},
		{name: "a malformed MFA code", config: "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/soak\n", setup: addDev, args: []string{"export", "dev", "-t", "12ab56"}},
		{name: "-t - with nothing on standard input", config: "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/soak\n", setup: addDev, args: []string{"export", "dev", "-t", "-"}},
		{name: "an MFA code needed without a terminal", config: "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/soak\n", setup: addDev, args: []string{"export", "dev"}},
		// credential_process.
		{name: "credential_process that never ends", config: cp("forever.sh"), setup: script("forever.sh", "exec sleep 3600"), env: []string{"CREDO_CREDENTIAL_PROCESS_TIMEOUT=2s"}, args: []string{"export", "p"}},
		{name: "credential_process with endless output", config: cp("flood.sh"), setup: script("flood.sh", "exec yes"), args: []string{"export", "p"}},
		{name: "credential_process that is not JSON", config: cp("text.sh"), setup: script("text.sh", "echo hello"), args: []string{"export", "p"}},
		{name: "credential_process that fails", config: cp("fail.sh"), setup: script("fail.sh", "echo secret; echo oops >&2; exit 3"), args: []string{"export", "p"}, bad: []string{"secret"}, foreign: true},
		{name: "credential_process with expired credentials", config: cp("old.sh"), setup: script("old.sh", `echo '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2001-01-01T00:00:00Z"}'`), args: []string{"export", "p"}},
		{name: "credential_process of another Version", config: cp("v2.sh"), setup: script("v2.sh", `echo '{"Version":2}'`), args: []string{"export", "p"}},
		{name: "credential_process missing", config: cp("missing.sh"), args: []string{"export", "p"}, foreign: true},
		{name: "credential_process calling itself", config: "[profile p]\ncredential_process = " + s.credo + " export --format json p\n", args: []string{"export", "p"}},
		// add, exec, login, and the command line.
		{name: "add: a temporary key", config: base, stdin: "ASIAIOSFODNN7EXAMPLE\n" + secretKey + "\n", args: []string{"add", "dev"}},
		{name: "add: a short secret", config: base, stdin: accessKeyID + "\nshort\n", args: []string{"add", "dev"}},
		{name: "add: empty standard input", config: base, args: []string{"add", "dev"}},
		{name: "add: a profile name with a bracket", config: base, stdin: accessKeyID + "\n" + secretKey + "\n", args: []string{"add", "de]v"}},
		{name: "add --env without the variables", config: base, args: []string{"add", "dev", "--env"}},
		{name: "exec of a missing command", config: base, setup: addDev, args: []string{"exec", "dev", "--", "no-such-command-soak"}},
		{name: "exec inside exec", config: base, setup: addDev, env: []string{"CREDO_PROFILE=dev"}, args: []string{"exec", "dev", "--", "true"}},
		{name: "login --path to another host", config: base, setup: addDev, args: []string{"login", "dev", "--stdout", "--path", "https://example.com/"}},
		{name: "an unknown command", config: base, args: []string{"exprot", "dev"}},
		{name: "an unknown flag", config: base, args: []string{"export", "dev", "--formt", "json"}},
		{name: "an unknown export format", config: base, setup: addDev, args: []string{"export", "dev", "--format", "yaml"}},
		{name: "a duration below STS's minimum", config: base, setup: addDev, args: []string{"export", "dev", "-d", "1s"}},
		{name: "remove of a profile with no keys", config: base, args: []string{"remove", "nope", "--force"}},
	}
	unclear := 0
	for i, c := range cases {
		env, h, err := s.home(fmt.Sprintf("hostile%02d", i))
		if err != nil {
			return row{}, err
		}
		if c.config != "" {
			if err := os.WriteFile(filepath.Join(h, ".aws", "config"), []byte(c.config), 0o600); err != nil {
				return row{}, err
			}
		}
		for p, data := range c.files {
			full := filepath.Join(h, p)
			if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
				return row{}, err
			}
			if err := os.WriteFile(full, []byte(data), 0o600); err != nil {
				return row{}, err
			}
		}
		if c.setup != nil {
			if err := c.setup(s, env, h); err != nil {
				return row{}, fmt.Errorf("%s: %w", c.name, err)
			}
		}
		env = append(env, c.env...) // after the set-up, which uses the defaults
		if c.sts != nil {
			c.sts(s.sts)
		}
		r := s.credoRun(env, c.stdin, 0, c.args...)
		s.resetSTS()
		if why := clear(r, c.foreign, c.bad...); why != "" {
			unclear++
			fmt.Fprintf(os.Stderr, "credo-soak: unclear: %s: %s\n%s\n", c.name, why, firstLines(r.stderr, 4))
		}
	}
	return row{
		harness: "hostile inputs (config, settings, keyring items, STS answers, credential_process, command line)", triedName: "inputs",
		tried: len(cases), failName: "unclear errors", failed: unclear,
		note: "clear: non-zero exit, `credo: ` lines only (a hint at most after the problems), none over 1,100 bytes, none of Go's own phrases, no hang",
	}, nil
}

// resetSTS undoes what a case did to the fake STS.
func (s *soak) resetSTS() {
	s.sts.SetSessionTokenPadding(0)
	s.sts.SetExpiry(0)
	s.sts.SetTrickle(0)
	s.sts.AcceptUnknownKeys(true)
}

func firstLines(s string, n int) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 4096), 4<<20)
	var out []string
	for sc.Scan() && len(out) < n {
		l := sc.Text()
		if len(l) > 300 {
			l = l[:300] + "..."
		}
		out = append(out, "    "+l)
	}
	return strings.Join(out, "\n")
}
