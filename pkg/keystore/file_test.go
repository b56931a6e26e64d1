package keystore

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
)

const testPassphrase = "correct horse battery staple"

// cheapKDF makes test keyrings quick to unlock; the default costs most of
// a second.
var cheapKDF = filefast.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func fixedPassphrase(p string) func(PassphraseRequest) (string, error) { return FixedPassphrase(p) }

func openFile(t testing.TB, dir string, pass func(PassphraseRequest) (string, error)) Store {
	t.Helper()
	s, err := Open(Config{Backend: BackendFile, FileDir: dir, FilePassphrase: pass, FileKDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFileBackendExercise(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "keyring")
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	if s.Backend() != BackendFile {
		t.Fatalf("Backend() = %q", s.Backend())
	}
	const secret = "FILESECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEX"
	if err := exercise(s, secret); err != nil {
		t.Fatal(err)
	}
	// Leave one key behind and check that it is encrypted on disk.
	if err := s.SetKey("dev", LongTermKey{AccessKeyID: "AKIAEXERCISEEXAMPLE1", SecretAccessKey: secret}); err != nil {
		t.Fatal(err)
	}
	assertSecretNowhere(t, home, secret)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("keyring folder mode = %v, want 0700", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", e.Name(), info.Mode().Perm())
		}
		if strings.Contains(e.Name(), tmpMark) {
			t.Errorf("temporary item left behind: %s", e.Name())
		}
	}
}

func TestFileNamesMatchLibrary(t *testing.T) {
	dir := t.TempDir()
	kr, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: dir, FilePasswordFunc: keyring.FixedStringPrompt("x")})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"dev", "a/b", "100%", "..", "ünï cödé", "x;y"} {
		name := sessionName(p, "ck%/", time.Unix(42, 0))
		if err := kr.Set(keyring.Item{Key: name, Data: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, fileEscape(name))); err != nil {
			t.Errorf("profile %q: library file name differs from fileEscape: %v", p, err)
		}
		ref, ok := parseSessionName(name)
		if !ok || ref.Profile != p || ref.CacheKey != "ck%/" || ref.Expiration.Unix() != 42 {
			t.Errorf("parseSessionName(%q) = %+v, %v", name, ref, ok)
		}
		if got, _, ok := parseKeyName(keyName(p)); !ok || got != p {
			t.Errorf("parseKeyName(keyName(%q)) = %q, %v", p, got, ok)
		}
	}
	if got := keyName("a/b"); got != "v1/key/a%2Fb" {
		t.Errorf("keyName(a/b) = %q", got)
	}
	if got := keyName(".."); got != "v1/key/%2E." {
		t.Errorf("keyName(..) = %q", got)
	}
}

func TestOpenUnknownBackend(t *testing.T) {
	_, err := Open(Config{Backend: "vault"})
	if err == nil || err.Error() != `unknown keyring backend "vault"` {
		t.Fatalf("err = %v", err)
	}
	if h := hint.Of(err); !strings.Contains(h, "file, keychain, keyctl, kwallet, pass, secret-service, wincred") {
		t.Errorf("hint = %q", h)
	}
}

func TestFilePassphraseAskedLazilyAndOnce(t *testing.T) {
	dir := t.TempDir()
	calls := 0
	s := openFile(t, dir, func(PassphraseRequest) (string, error) { calls++; return testPassphrase, nil })
	if _, err := s.KeyProfiles(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions(""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetKey("missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetKey(missing) = %v", err)
	}
	if calls != 0 {
		t.Fatalf("passphrase asked %d times by listing", calls)
	}
	for i := range 3 {
		p := fmt.Sprintf("p%d", i)
		if err := s.SetKey(p, LongTermKey{AccessKeyID: "AKIA", SecretAccessKey: "s"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetKey(p); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("passphrase asked %d times, want 1", calls)
	}
	// A second store (a new process) lists without asking.
	calls2 := 0
	s2 := openFile(t, dir, func(PassphraseRequest) (string, error) { calls2++; return testPassphrase, nil })
	if ps, err := s2.KeyProfiles(); err != nil || len(ps) != 3 {
		t.Fatalf("KeyProfiles = %v, %v", ps, err)
	}
	if calls2 != 0 {
		t.Fatalf("passphrase asked by listing")
	}
}

func TestFileListingDoesNotCreateFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	s := openFile(t, dir, nil)
	if ps, err := s.KeyProfiles(); err != nil || len(ps) != 0 {
		t.Fatalf("KeyProfiles = %v, %v", ps, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("listing created the folder: %v", err)
	}
}

func TestFileNoPassphraseFunc(t *testing.T) {
	s := openFile(t, t.TempDir(), nil)
	err := s.SetKey("dev", LongTermKey{AccessKeyID: "AKIA", SecretAccessKey: "s"})
	if err == nil || !strings.Contains(err.Error(), "no passphrase") || hint.Of(err) == "" {
		t.Fatalf("err = %v (hint %q)", err, hint.Of(err))
	}
}

func TestFileWrongPassphrase(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	for _, p := range []string{"dev", "prod"} {
		if err := s.SetKey(p, LongTermKey{AccessKeyID: "AKIA", SecretAccessKey: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetSession("dev", "ck", Session{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	wrong := openFile(t, dir, fixedPassphrase("not the passphrase"))
	want := fmt.Sprintf("file keyring %q: wrong passphrase", dir)
	_, err := wrong.GetKey("dev")
	if err == nil || err.Error() != want || !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("GetKey err = %v, want %q", err, want)
	}
	if hint.Of(err) == "" {
		t.Error("no hint")
	}
	if _, err := wrong.FindSession("dev", "ck", time.Now()); err == nil || err.Error() != want {
		t.Fatalf("FindSession err = %v", err)
	}
	// A write with the wrong passphrase is refused, so one folder never
	// holds items under two passphrases.
	if err := wrong.SetKey("new", LongTermKey{AccessKeyID: "AKIA", SecretAccessKey: "s"}); err == nil || err.Error() != "profile \"new\": storing key: "+want {
		t.Fatalf("SetKey err = %v", err)
	}
	if ps, _ := s.KeyProfiles(); strings.Join(ps, ",") != "dev,prod" {
		t.Fatalf("profiles = %v", ps)
	}
}

// writeRaw stores data as item name with the library itself, bypassing the
// store's format.
func writeRaw(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	kr, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: dir, FilePasswordFunc: keyring.FixedStringPrompt(testPassphrase)})
	if err != nil {
		t.Fatal(err)
	}
	if err := kr.Set(keyring.Item{Key: name, Data: data}); err != nil {
		t.Fatal(err)
	}
}

func TestFileCorruptItems(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	if err := s.SetKey("good", LongTermKey{AccessKeyID: "AKIAGOOD", SecretAccessKey: "s"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"garbage", "version", "json", "torn", "team/a"} {
		if err := s.SetKey(p, LongTermKey{AccessKeyID: "AKIA", SecretAccessKey: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	path := func(p string) string { return filepath.Join(dir, fileEscape(keyName(p))) }
	if err := os.WriteFile(path("garbage"), []byte("\x00\x01garbage bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeRaw(t, dir, keyName("version"), []byte(`{"Version":7,"AccessKeyId":"AKIA"}`))
	writeRaw(t, dir, keyName("json"), []byte(`{"Version":1,`))
	data, _ := os.ReadFile(path("torn"))
	if err := os.WriteFile(path("torn"), data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	// A version 1 item whose wrapped key is damaged fails like a wrong
	// passphrase would; other items decrypting tells the two apart.
	writeRaw(t, dir, keyName("team/a"), []byte(`{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}`))
	data, _ = os.ReadFile(path("team/a"))
	parts := strings.Split(string(data), ".")
	parts[1] = "A" + parts[1][1:]
	if parts[1] == strings.Split(string(data), ".")[1] {
		parts[1] = "B" + parts[1][1:]
	}
	if err := os.WriteFile(path("team/a"), []byte(strings.Join(parts, ".")), 0o600); err != nil {
		t.Fatal(err)
	}

	s = openFile(t, dir, fixedPassphrase(testPassphrase))
	cases := map[string]string{
		"garbage": `profile "garbage": stored key is unreadable: not valid encrypted data`,
		"version": `profile "version": stored key is unreadable: format version 7 is not supported (this credo reads version 1)`,
		"json":    `profile "json": stored key is unreadable: invalid JSON`,
		"torn":    `profile "torn": stored key is unreadable: it does not decrypt with the keyring's key: damaged or tampered with`,
		"team/a":  `profile "team/a": stored key is unreadable: it does not decrypt although other items do`,
	}
	for p, want := range cases {
		_, err := s.GetKey(p)
		if err == nil || err.Error() != want || !errors.Is(err, ErrCorrupt) {
			t.Errorf("GetKey(%q) = %v, want %q", p, err, want)
			continue
		}
		if h := hint.Of(err); !strings.Contains(h, "credo remove "+shellQuote(p)) {
			t.Errorf("GetKey(%q) hint = %q", p, h)
		}
	}
	if k, err := s.GetKey("good"); err != nil || k.AccessKeyID != "AKIAGOOD" {
		t.Fatalf("good item: %+v, %v", k, err)
	}
	if ps, err := s.KeyProfiles(); err != nil || len(ps) != 6 {
		t.Fatalf("KeyProfiles = %v, %v", ps, err)
	}
	// Writes still work next to corrupt items, and remove deletes them
	// without decrypting.
	if err := s.SetKey("good2", LongTermKey{AccessKeyID: "AKIA2", SecretAccessKey: "s"}); err != nil {
		t.Fatal(err)
	}
	for p := range cases {
		if err := s.RemoveKey(p); err != nil {
			t.Fatalf("RemoveKey(%q): %v", p, err)
		}
	}
	if ps, err := s.KeyProfiles(); err != nil || strings.Join(ps, ",") != "good,good2" {
		t.Fatalf("KeyProfiles = %v, %v", ps, err)
	}

	// A corrupt cached session names the clear command.
	exp := time.Now().Add(time.Hour)
	if err := s.SetSession("good", "ck", Session{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: exp}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fileEscape(sessionName("good", "ck", exp))), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.FindSession("good", "ck", time.Now())
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(hint.Of(err), `credo clear good`) {
		t.Fatalf("FindSession = %v (hint %q)", err, hint.Of(err))
	}
	refs, _ := s.Sessions("good")
	if len(refs) != 1 {
		t.Fatalf("Sessions = %+v", refs)
	}
	if err := s.RemoveSession(refs[0]); err != nil {
		t.Fatal(err)
	}
}

func TestFileSessionsSupersededAndExpiredAreDropped(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1_800_000_000, 0)
	s, err := Open(Config{Backend: BackendFile, FileDir: dir, FilePassphrase: fixedPassphrase(testPassphrase), FileKDF: cheapKDF, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(id string, exp time.Time) Session {
		return Session{AccessKeyID: id, SecretAccessKey: "s", SessionToken: "t", Expiration: exp}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SetSession("other", "ck", mk("expired", now.Add(-time.Minute))))
	must(s.SetSession("other", "ck2", mk("valid", now.Add(time.Minute))))
	must(s.SetSession("dev", "ck", mk("a", now.Add(time.Hour))))
	must(s.SetSession("dev", "ck", mk("b", now.Add(2*time.Hour))))
	refs, err := s.Sessions("")
	must(err)
	var got []string
	for _, r := range refs {
		got = append(got, r.Profile+"/"+r.CacheKey+"/"+strconv.FormatInt(r.Expiration.Sub(now).Milliseconds()/1000, 10))
	}
	if strings.Join(got, " ") != "dev/ck/7200 other/ck2/60" {
		t.Fatalf("sessions = %v", got)
	}
}

func TestFileStaleTempItemsIgnoredAndCleaned(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	if err := s.SetKey("dev", LongTermKey{AccessKeyID: "AKIA", SecretAccessKey: "s"}); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, fileEscape("v1/key/"+tmpMark+"dead"))
	fresh := filepath.Join(dir, fileEscape("v1/session/dev/ck/"+tmpMark+"live"))
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half written"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if ps, err := s.KeyProfiles(); err != nil || strings.Join(ps, ",") != "dev" {
		t.Fatalf("KeyProfiles = %v, %v", ps, err)
	}
	if refs, err := s.Sessions(""); err != nil || len(refs) != 0 {
		t.Fatalf("Sessions = %v, %v", refs, err)
	}
	if err := s.SetKey("prod", LongTermKey{AccessKeyID: "AKIA", SecretAccessKey: "s"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary item not cleaned up: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh temporary item (a write in progress) was removed: %v", err)
	}
}

// TestFileFindSessionDecryptsOneItem stores 1,000 session items, all but one
// of them undecryptable, and checks that FindSession succeeds (so it read
// only the one it returns) and asks for the passphrase once.
func TestFileFindSessionDecryptsOneItem(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	now := time.Now()
	want := Session{AccessKeyID: "ASIAWANT", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(3 * time.Hour).Truncate(time.Second)}
	if err := s.SetSession("dev", "ck", want); err != nil {
		t.Fatal(err)
	}
	fillJunkSessions(t, dir, now, 999)
	calls := 0
	s = openFile(t, dir, func(PassphraseRequest) (string, error) { calls++; return testPassphrase, nil })
	got, err := s.FindSession("dev", "ck", now)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessKeyID != want.AccessKeyID {
		t.Fatalf("got %+v", got)
	}
	if calls != 1 {
		t.Fatalf("passphrase asked %d times", calls)
	}
}

// fillJunkSessions writes n session item files that cannot be decrypted:
// valid-looking names (same profile, other cache keys, and older sessions of
// the same cache key), garbage content.
func fillJunkSessions(t testing.TB, dir string, now time.Time, n int) {
	t.Helper()
	for i := range n {
		var name string
		if i%2 == 0 {
			name = sessionName("dev", "ck", now.Add(time.Duration(i+1)*time.Second))
		} else {
			name = sessionName(fmt.Sprintf("p%d", i), "ck", now.Add(5*time.Hour))
		}
		if err := os.WriteFile(filepath.Join(dir, fileEscape(name)), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkFindSessionFile(b *testing.B) {
	dir := b.TempDir()
	s := openFile(b, dir, fixedPassphrase(testPassphrase))
	now := time.Now()
	if err := s.SetSession("dev", "ck", Session{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(3 * time.Hour)}); err != nil {
		b.Fatal(err)
	}
	fillJunkSessions(b, dir, now, 999)
	b.ResetTimer()
	for b.Loop() {
		// A new store each time, as in a new process: the passphrase and
		// the key derivation are not cached between runs.
		s := openFile(b, dir, fixedPassphrase(testPassphrase))
		if _, err := s.FindSession("dev", "ck", now); err != nil {
			b.Fatal(err)
		}
	}
}

// Crash safety (issue 4). The writer helper loops over a set of profiles
// writing keys and sessions; tests kill it with SIGKILL at random instants or
// run several at once, then check every key.

const crashProfiles = 4

func runWriter() int {
	s, err := Open(helperConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	id := os.Getenv("TEST_WRITER_ID")
	iterations, _ := strconv.Atoi(os.Getenv("TEST_ITERATIONS"))
	out := bufio.NewWriter(os.Stdout)
	for i := 0; iterations == 0 || i < iterations; i++ {
		for p := range crashProfiles {
			profile := fmt.Sprintf("team/p%d", p)
			k := LongTermKey{AccessKeyID: "AKIAWRITEREXAMPLE000", SecretAccessKey: fmt.Sprintf("w%s-i%d", id, i)}
			if err := s.SetKey(profile, k); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			exp := time.Now().Add(time.Hour + time.Duration(i)*time.Second)
			if err := s.SetSession(profile, "ck", Session{AccessKeyID: "ASIA", SecretAccessKey: k.SecretAccessKey, SessionToken: "t", Expiration: exp}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			if i == 0 && p == 0 {
				fmt.Fprintln(out, "ready")
				out.Flush()
			}
		}
		// Exercise remove as well: a profile that comes and goes.
		_ = s.SetKey("ephemeral-"+id, LongTermKey{AccessKeyID: "AKIA", SecretAccessKey: "e"})
		_ = s.RemoveKey("ephemeral-" + id)
	}
	return 0
}

func seedCrashStore(t *testing.T, dir string) {
	t.Helper()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	for p := range crashProfiles {
		if err := s.SetKey(fmt.Sprintf("team/p%d", p), LongTermKey{AccessKeyID: "AKIAWRITEREXAMPLE000", SecretAccessKey: "initial"}); err != nil {
			t.Fatal(err)
		}
	}
}

// verifyCrashStore checks that every key decrypts to the initial value or
// one a writer wrote, and that no cached session is unreadable.
func verifyCrashStore(t *testing.T, dir string) {
	t.Helper()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	for p := range crashProfiles {
		profile := fmt.Sprintf("team/p%d", p)
		k, err := s.GetKey(profile)
		if err != nil {
			t.Fatalf("profile %s after crash: %v", profile, err)
		}
		if k.SecretAccessKey != "initial" && !strings.HasPrefix(k.SecretAccessKey, "w") {
			t.Fatalf("profile %s: unexpected value %q", profile, k.SecretAccessKey)
		}
		if _, err := s.FindSession(profile, "ck", time.Now()); err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("profile %s: session after crash: %v", profile, err)
		}
	}
}

func TestFileCrashSafety(t *testing.T) {
	dir := t.TempDir()
	seedCrashStore(t, dir)
	env := []string{"TEST_BACKEND=file", "TEST_FILE_DIR=" + dir, "TEST_FILE_PASSPHRASE=" + testPassphrase, "TEST_WRITER_ID=1"}
	const rounds = 40
	for round := range rounds {
		cmd := helperCmd(t, "writer", env...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if line != "ready\n" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("round %d: writer did not start: %q", round, line)
		}
		time.Sleep(time.Duration(rand.IntN(40_000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		verifyCrashStore(t, dir)
	}
	// The killed writers' temporary items are ignored by listing.
	s := openFile(t, dir, nil)
	ps, err := s.KeyProfiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if !strings.HasPrefix(p, "team/p") && !strings.HasPrefix(p, "ephemeral-") {
			t.Errorf("unexpected profile %q", p)
		}
	}
}

func TestFileConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	seedCrashStore(t, dir)
	const writers = 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		cmd := helperCmd(t, "writer", "TEST_BACKEND=file", "TEST_FILE_DIR="+dir, "TEST_FILE_PASSPHRASE="+testPassphrase,
			"TEST_WRITER_ID="+strconv.Itoa(w), "TEST_ITERATIONS=8")
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("writer %d: %v: %s", w, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	verifyCrashStore(t, dir)
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	for p := range crashProfiles {
		k, err := s.GetKey(fmt.Sprintf("team/p%d", p))
		if err != nil || k.SecretAccessKey == "initial" || !strings.HasSuffix(k.SecretAccessKey, "-i7") {
			t.Errorf("profile p%d = %+v, %v; want a writer's last value", p, k, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), tmpMark) {
			t.Errorf("temporary item left behind: %s", e.Name())
		}
	}
}

func TestOpenUnavailableBackend(t *testing.T) {
	for _, b := range []string{BackendSecretService, BackendKeychain, BackendWinCred} {
		if available(b) {
			continue
		}
		_, err := Open(Config{Backend: b})
		want := fmt.Sprintf("keyring backend %q is not available on this machine", b)
		if err == nil || err.Error() != want || hint.Of(err) == "" {
			t.Errorf("Open(%s) = %v (hint %q), want %q with a hint", b, err, hint.Of(err), want)
		}
	}
	if _, err := Open(Config{Backend: BackendFile}); err == nil || hint.Of(err) != "set CREDO_FILE_DIR" {
		t.Errorf("Open(file) without a folder = %v", err)
	}
}

// TestFileNeverStoresWhatItCannotRead: a profile name long enough to make
// its item larger than a read accepts is refused when it is written, with
// a line that says so; before, `credo add` said "Added" and the key was
// never found again.
func TestFileNeverStoresWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	key := LongTermKey{AccessKeyID: "AKIAEXERCISEEXAMPLE1", SecretAccessKey: "FILESECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEX"}
	for _, n := range []int{20 << 10, 60 << 10} {
		name := strings.Repeat("p", n)
		err := s.SetKey(name, key)
		got, gerr := s.GetKey(name)
		switch {
		case err == nil && (gerr != nil || got.AccessKeyID != key.AccessKeyID):
			t.Errorf("a name of %d bytes: stored, then read back as %v, %v", n, got, gerr)
		case err != nil && !errors.Is(err, filefast.ErrItemTooLarge):
			t.Errorf("a name of %d bytes: %v", n, err)
		case err != nil && (strings.Count(err.Error(), "\n") > 0 || !strings.Contains(err.Error(), "use a shorter profile name")):
			t.Errorf("a name of %d bytes: unclear error %q", n, err)
		case err != nil && n == 20<<10:
			t.Errorf("a name of 20 KiB refused: %v", err)
		case err == nil && n == 60<<10:
			t.Errorf("a name of 60 KiB stored")
		}
	}
}
