//go:build linux

package main

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// startLogin runs the benchmark in a session keyring of its own, as a new
// login: what credo keeps in memory is the benchmark's, and the user's own
// login is left alone.
func startLogin() { testsvc.NewLogin() }

// backendFigures measures a cached export (a role session held in memory)
// on each keyring backend, as a ratio to a trivial Go program timed in the
// same run, and counts the backend calls and STS calls it makes (issue 10).
//
// Every backend is set up first; then each round runs the trivial program
// and the export on every backend once, in a shuffled order. The five
// figures thus meet the same machine at the same moments: timed one
// backend after another (as this benchmark first did), a shared machine's
// load drifting during the minute the four took moved their medians apart
// by up to a third, though the four run the same code.
func (b *bench) backendFigures(runs int) error {
	hello, err := b.trivialProgram()
	if err != nil {
		return err
	}
	saved := b.env
	defer func() { b.env = saved }()
	var set []*backendRun
	for _, backend := range []string{"file", "keyctl", "secret-service", "pass"} {
		b.env = saved
		r, err := b.setUpBackend(backend)
		if r != nil {
			defer r.tb.cleanup()
		}
		var stop benchStop
		if errors.As(err, &stop) {
			fmt.Printf("cached export on %s: not measured (%s)\n", backend, stop.why)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", backend, err)
		}
		set = append(set, r)
	}
	if len(set) == 0 {
		return nil
	}
	for _, r := range set {
		if err := r.w.begin(); err != nil {
			return fmt.Errorf("%s: %w", r.backend, err)
		}
	}
	stsBefore := b.totalCalls()
	// Slot 0 is the trivial program, slot i the export on set[i-1].
	timings := make([][]time.Duration, len(set)+1)
	// A fresh order each round: no figure always follows the same one (a
	// process run right after another of the same binary finds more of it
	// in the caches).
	order := mrand.New(mrand.NewPCG(1, 2))
	// Four times the usual runs: a round takes about 10 ms, so 41 rounds
	// sampled the machine for half a second, and identical code on two
	// backends came out up to 1.12x apart; the target here is 1.1x.
	rounds := 4 * runs
	for i := 0; i < rounds+5 && err == nil; i++ {
		for _, slot := range order.Perm(len(timings)) {
			var d time.Duration
			if slot == 0 {
				d, err = b.timedEnv(set[0].env, hello)
			} else {
				r := set[slot-1]
				d, err = b.timedEnv(r.env, b.credo, "export", "--format", "json", r.role)
			}
			if err != nil {
				break
			}
			if i >= 5 {
				timings[slot] = append(timings[slot], d)
			}
		}
	}
	ends := make([]string, len(set))
	for i, r := range set {
		ends[i] = r.w.end()
	}
	sts := b.totalCalls() - stsBefore
	if err != nil {
		return err
	}
	base := median(timings[0])
	var fastest, slowest time.Duration
	for i, r := range set {
		d := median(timings[i+1])
		fmt.Printf("cached export on %s: median wall %.2f ms, %.2fx a trivial Go program that prints a line (%.2f ms, timed in the same rounds) (target <= 1.3x); %s\n",
			r.backend, ms(d), float64(d)/float64(base), ms(base), ends[i])
		if fastest == 0 || d < fastest {
			fastest = d
		}
		slowest = max(slowest, d)
	}
	fmt.Printf("cached export on every backend: STS calls %d (target 0)\n", sts)
	fmt.Printf("cached export across backends: slowest %.2fx the fastest (target <= 1.1x)\n", float64(slowest)/float64(fastest))
	return nil
}

// backendRun is a backend set up for the timed runs: a HOME of its own with
// a role session cached in memory.
type backendRun struct {
	backend string
	role    string
	env     []string // the timed runs' environment
	w       watcher
	tb      *benchTB
}

// benchStop is a set-up the benchmark cannot make here (a missing tool).
type benchStop struct{ why string }

func (s benchStop) Error() string { return s.why }

// benchTB lets the benchmark use the tests' service set-up (testsvc).
type benchTB struct{ cleanups []func() }

func (t *benchTB) Helper()                        {}
func (t *benchTB) Fatal(args ...any)              { panic(benchStop{fmt.Sprint(args...)}) }
func (t *benchTB) Fatalf(format string, a ...any) { panic(benchStop{fmt.Sprintf(format, a...)}) }
func (t *benchTB) Skip(args ...any)               { panic(benchStop{fmt.Sprint(args...)}) }
func (t *benchTB) Cleanup(f func())               { t.cleanups = append(t.cleanups, f) }

func (t *benchTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// watcher counts a backend's use during the timed runs: begin before
// them, end after, with what it saw.
type watcher struct {
	begin func() error
	end   func() string
}

// setUpBackend sets up backend in a HOME of its own, stores a key and
// caches a role session; the caller cleans up run.tb when done with it.
func (b *bench) setUpBackend(backend string) (run *backendRun, err error) {
	tb := &benchTB{}
	run = &backendRun{backend: backend, tb: tb}
	defer func() {
		if r := recover(); r != nil {
			stop, ok := r.(benchStop)
			if !ok {
				panic(r)
			}
			err = stop
		}
	}()
	home := filepath.Join(b.dir, "backend-"+backend)
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		return run, err
	}
	suffix := fmt.Sprint(os.Getpid()) // the keyctl backend's keyring is the user's
	src, role := "bench-src-"+suffix, "bench-role-"+suffix
	cfg := fmt.Sprintf("[profile %s]\nregion = us-east-1\n\n[profile %s]\nsource_profile = %s\nrole_arn = arn:aws:iam::%s:role/bench\n", src, role, src, account)
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(cfg), 0o600); err != nil {
		return run, err
	}
	env := []string{}
	for _, kv := range b.env {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "AWS_CONFIG_FILE=") && !strings.HasPrefix(kv, "CREDO_BACKEND=") && !strings.HasPrefix(kv, "XDG_") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"), "CREDO_BACKEND="+backend,
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_DATA_HOME="+filepath.Join(home, "data"))
	measureEnv := env
	var w watcher
	switch backend {
	case "file":
		// Every open and read in the keyring folder is counted (inotify).
		dir := filepath.Join(home, "keyring")
		env = append(env, "CREDO_FILE_DIR="+dir)
		measureEnv = env
		var count func() string
		w.begin = func() (err error) { count, err = watchFolder(dir); return err }
		w.end = func() string { return count() }
	case "keyctl":
		testsvc.Need(tb, "keyctl")
		tb.Cleanup(func() { b.env = env; _, _ = b.credo1(nil, "remove", "--force", src) })
		// The user keyring, where the keyctl backend keeps its items, is
		// unlinked from the login during the timed runs: a read of the
		// backend would fail the command.
		w.begin = func() error {
			_, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, unix.KEY_SPEC_USER_KEYRING, unix.KEY_SPEC_SESSION_KEYRING, 0, 0)
			return err
		}
		w.end = func() string {
			_, _ = unix.KeyctlInt(unix.KEYCTL_LINK, unix.KEY_SPEC_USER_KEYRING, unix.KEY_SPEC_SESSION_KEYRING, 0, 0)
			return "backend reads 0 (the user keyring was out of the login's reach)"
		}
	case "secret-service":
		env = append(append(env, testsvc.SecretService(tb, home)...), "CREDO_SECRET_SERVICE_COLLECTION=login")
		// The timed runs see a stand-in bus that counts connections.
		measureEnv = append(append([]string{}, env...), "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(b.dir, "dbus.sock"))
		var before int64
		w.begin = func() error { before = b.dbus.Load(); return nil }
		w.end = func() string { return fmt.Sprintf("D-Bus connections %d", b.dbus.Load()-before) }
	case "pass":
		gnupg, store := testsvc.Pass(tb, home)
		wrap, log := filepath.Join(home, "wrap"), filepath.Join(home, "calls.log")
		if err := wrapTools(wrap, log, "pass", "gpg", "gpg2"); err != nil {
			return run, err
		}
		env = append(env, "GNUPGHOME="+gnupg, "PASSWORD_STORE_DIR="+store, "CREDO_PASS_DIR="+store, "PATH="+wrap+":"+os.Getenv("PATH"))
		measureEnv = env
		w.begin = func() error { return os.Remove(log) }
		w.end = func() string {
			data, _ := os.ReadFile(log)
			return fmt.Sprintf("pass/gpg runs %d", strings.Count(string(data), "\n"))
		}
	}
	b.env = env
	if _, err := b.credo1(strings.NewReader(accessKeyID+"\n"+secretKey+"\n"), "add", src, "--add-config=false"); err != nil {
		return run, err
	}
	if _, err := b.credo1(nil, "export", "--format", "json", role); err != nil {
		return run, err
	}
	run.role, run.env, run.w = role, measureEnv, w
	return run, nil
}

// watchFolder counts opens and reads in dir (inotify) until the returned
// function is called.
func watchFolder(dir string) (func() string, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_OPEN|unix.IN_ACCESS); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("inotify: %w", err)
	}
	return func() string {
		defer unix.Close(fd)
		events := 0
		buf := make([]byte, 64<<10)
		for {
			n, err := unix.Read(fd, buf)
			if err != nil || n <= 0 {
				break
			}
			for off := 0; off+unix.SizeofInotifyEvent <= n; events++ {
				ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
				off += unix.SizeofInotifyEvent + int(ev.Len)
			}
		}
		return fmt.Sprintf("opens and reads in the keyring folder %d", events)
	}, nil
}

// wrapTools puts scripts in front of tools that log each run, then run the
// real tool.
func wrapTools(dir, log string, tools ...string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, tool := range tools {
		real, err := exec.LookPath(tool)
		if err != nil {
			continue
		}
		script := "#!/bin/sh\necho " + tool + " >> '" + log + "'\nexec '" + real + "' \"$@\"\n"
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o700); err != nil {
			return err
		}
	}
	return nil
}

// kdfFigures measures the file keyring's key derivations in CPU time: the
// guesses per second per core an attacker with a copy of the folder gets.
func kdfFigures() error {
	hdr, _, err := filefast.NewHeader("bench passphrase", filefast.DefaultKDF, rand.Reader)
	if err != nil {
		return err
	}
	var v2 []time.Duration
	for range 3 {
		start := cpuTime()
		if _, err := hdr.DeriveKey("bench passphrase"); err != nil {
			return err
		}
		v2 = append(v2, cpuTime()-start)
	}
	start := cpuTime()
	const n = 50
	for range n {
		if _, err := pbkdf2.Key(sha256.New, "bench passphrase", []byte("PBES2-HS256+A128KW\x00saltsaltsalt"), filefast.EncodeRounds, 16); err != nil {
			return err
		}
	}
	v1 := (cpuTime() - start) / n
	p := filefast.DefaultKDF
	fmt.Printf("file keyring key derivation: version 2 (argon2id t=%d, %d MiB, %d lanes) %.0f ms of CPU, %.2f guesses/s per core; version 1 (PBKDF2-SHA256, %d rounds) %.0f guesses/s per core\n",
		p.Time, p.MemoryKiB>>10, p.Threads, ms(median(v2)), float64(time.Second)/float64(median(v2)), filefast.EncodeRounds, float64(time.Second)/float64(v1))
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
