//go:build linux

package memstore

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/credo-cli/credo/pkg/harden"
	"github.com/credo-cli/credo/pkg/keystore/item"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

func TestMain(m *testing.M) {
	testsvc.OwnSessionKeyring()
	if lockFile := os.Getenv("MEMSTORE_HELPER_CREATE"); lockFile != "" {
		s := Store{CreateLock: flockFunc(lockFile)}
		now := time.Now()
		if err := s.SetSession("ns", "second", "ck", session("ASIASECOND", now.Add(time.Hour)), now); err != nil {
			os.Stdout.WriteString(err.Error() + "\n")
		}
		return
	}
	if os.Getenv("MEMSTORE_HELPER_USERLINK") != "" {
		user, _ := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, false)
		session, _ := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
		if slices.Contains(members(session), user) {
			os.Stdout.WriteString("linked\n")
		}
		return
	}
	if id := os.Getenv("MEMSTORE_HELPER_UNLOCKED"); id != "" {
		helperUnlocked(id)
		return
	}
	if os.Getenv("MEMSTORE_HELPER") != "" {
		helper()
		return
	}
	os.Exit(m.Run())
}

// helper runs in a child process: it prints the session the parent stored.
func helper() {
	var s Store
	sess, err := s.FindSession("ns", os.Getenv("MEMSTORE_HELPER"), "ck", time.Now())
	if err != nil {
		os.Stdout.WriteString("miss\n")
		return
	}
	os.Stdout.WriteString(sess.AccessKeyID + "\n")
}

// helperUnlocked runs in a child process: it says whether it can read the
// unlocked key id the parent stored.
func helperUnlocked(id string) {
	var s Store
	if _, ok, _ := s.UnlockedKey(id, time.Minute); ok {
		os.Stdout.WriteString("key\n")
		return
	}
	os.Stdout.WriteString("nokey\n")
}

// need skips (fails under CI=true) without a kernel key store, and empties credo's keyring.
func need(t *testing.T) {
	t.Helper()
	if _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, true); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the kernel key store is required under CI=true: %v", err)
		}
		t.Skipf("no kernel key store here: %v", err)
	}
	// Each test starts from an empty keyring of credo's: the keyring belongs to the test
	// process, so another test's keys, or this test's in an earlier run under -count, would
	// still be there.
	if _, err := Lock(); err != nil {
		t.Fatal(err)
	}
}

func session(id string, exp time.Time) item.Session {
	return item.Session{AccessKeyID: id, SecretAccessKey: "secret-" + id, SessionToken: "token-" + id, Expiration: exp.Truncate(time.Second)}
}

func TestSessionsRoundTripAndExpire(t *testing.T) {
	need(t)
	var s Store
	now := time.Now()
	long := strings.Repeat("a-very-long-profile-name-", 200) // 5,000 characters
	for _, p := range []string{"dev", long} {
		if err := s.SetSession("ns", p, "ck", session("ASIA"+p[:3], now.Add(time.Hour)), now); err != nil {
			t.Fatalf("SetSession(%.20s): %v", p, err)
		}
		got, err := s.FindSession("ns", p, "ck", now)
		want := session("ASIA"+p[:3], now.Add(time.Hour))
		if err != nil || got.AccessKeyID != want.AccessKeyID || got.SessionToken != want.SessionToken || !got.Expiration.Equal(want.Expiration) {
			t.Fatalf("FindSession(%.20s) = %+v, %v", p, got, err)
		}
	}
	// Other namespaces, cache keys, and too little time left: misses.
	for _, c := range []struct{ ns, p, ck string }{{"other", "dev", "ck"}, {"ns", "dev", "ck2"}, {"ns", "dev2", "ck"}} {
		if _, err := s.FindSession(c.ns, c.p, c.ck, now); !errors.Is(err, item.ErrNotFound) {
			t.Fatalf("FindSession%+v = %v, want not found", c, err)
		}
	}
	if _, err := s.FindSession("ns", "dev", "ck", now.Add(2*time.Hour)); !errors.Is(err, item.ErrNotFound) {
		t.Fatalf("not valid long enough: %v", err)
	}
	// A newer session replaces the older one.
	if err := s.SetSession("ns", "dev", "ck", session("ASIANEW", now.Add(2*time.Hour)), now); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindSession("ns", "dev", "ck", now); got.AccessKeyID != "ASIANEW" {
		t.Fatalf("after replacing: %+v", got)
	}
	entries, err := s.Sessions("ns")
	if err != nil || len(entries) != 2 {
		t.Fatalf("Sessions = %+v, %v", entries, err)
	}
	// The kernel drops a session when it expires.
	if err := s.SetSession("ns", "short", "ck", session("ASIASHORT", now.Add(time.Second)), now); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if _, err := s.FindSession("ns", "short", "ck", time.Time{}); !errors.Is(err, item.ErrNotFound) {
		t.Fatalf("expired session still found: %v", err)
	}
	if err := s.RemoveSession("ns", "dev", "ck"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindSession("ns", "dev", "ck", now); !errors.Is(err, item.ErrNotFound) {
		t.Fatalf("removed session found: %v", err)
	}
}

func TestSharedWithChildProcessesAndLock(t *testing.T) {
	need(t)
	var s Store
	now := time.Now()
	if err := s.SetSession("ns", "child", "ck", session("ASIACHILD", now.Add(time.Hour)), now); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUnlockedKey("folder", []byte("0123456789abcdef0123456789abcdef"), time.Minute); err != nil {
		t.Fatal(err)
	}
	run := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "MEMSTORE_HELPER=child")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := run(); got != "ASIACHILD" {
		t.Fatalf("child process read %q", got)
	}
	// Another login (a new session keyring) sees nothing.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MEMSTORE_HELPER=child", "CREDO_TEST_OWN_SESSION_KEYRING=")
	if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != "miss" {
		t.Fatalf("another session keyring read %q, %v", out, err)
	}

	st, err := Lock()
	if err != nil || st.Sessions < 1 || st.Unlocked != 1 {
		t.Fatalf("Lock = %+v, %v", st, err)
	}
	if got := run(); got != "miss" {
		t.Fatalf("after Lock the child read %q", got)
	}
	if _, ok, _ := s.UnlockedKey("folder", time.Minute); ok {
		t.Fatal("unlocked key survived Lock")
	}
	// The store works again after a lock.
	if err := s.SetSession("ns", "child", "ck", session("ASIAAGAIN", now.Add(time.Hour)), now); err != nil {
		t.Fatal(err)
	}
	if got := run(); got != "ASIAAGAIN" {
		t.Fatalf("after a new SetSession: %q", got)
	}
}

func TestUnlockedKeyTimeout(t *testing.T) {
	need(t)
	var s Store
	if err := s.PutUnlockedKey("t", []byte("k1"), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	// A use extends its life.
	time.Sleep(time.Second)
	if k, ok, err := s.UnlockedKey("t", 4*time.Second); !ok || err != nil || string(k) != "k1" {
		t.Fatalf("UnlockedKey = %q, %v, %v", k, ok, err)
	}
	time.Sleep(2500 * time.Millisecond)
	if _, ok, _ := s.UnlockedKey("t", 2*time.Second); !ok {
		t.Fatal("a use did not extend the unlock")
	}
	time.Sleep(3500 * time.Millisecond)
	if _, ok, _ := s.UnlockedKey("t", time.Second); ok {
		t.Fatal("unlock outlived its timeout")
	}
}

func TestKeysAreClosedToNonPossessors(t *testing.T) {
	need(t)
	var s Store
	if err := s.PutUnlockedKey("perm", []byte("k"), time.Minute); err != nil {
		t.Fatal(err)
	}
	id, ok := search(unlockPrefix + "perm")
	if !ok {
		t.Fatal("key not found")
	}
	desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(desc, ";")
	if f[3] != "3f010000" {
		t.Fatalf("key permissions %s, want 3f010000 (possessor all, user view)", f[3])
	}
}

func TestNamespaceIsUnambiguous(t *testing.T) {
	if Namespace("a", "bc") == Namespace("ab", "c") || Namespace("file", "/x") != Namespace("file", "/x") {
		t.Fatal("Namespace is ambiguous or unstable")
	}
	if len(sessionDesc("ns", strings.Repeat("p", 10000), "ck")) != len(sessionDesc("ns", "p", "ck")) {
		t.Fatal("a session's description depends on the profile name's length")
	}
}

func TestPayloadRoundTripAndDamage(t *testing.T) {
	want := session("ASIA:1:x", time.Unix(1900000000, 0))
	for _, p := range []string{"dev", "a:b", "12:x", strings.Repeat("é", 300)} {
		data, err := encodeSession(p, "ck:1", want)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeSession(data)
		if !ok || got.Profile != p || got.CacheKey != "ck:1" || got.AccessKeyID != want.AccessKeyID ||
			got.SessionToken != want.SessionToken || !got.Expiration.Equal(want.Expiration) {
			t.Fatalf("round trip of %.20q: %+v, %v", p, got, ok)
		}
		for cut := 0; cut < len(data)-1; cut++ {
			if _, ok := decodeSession(data[:cut]); ok && cut < len(data)-10 {
				t.Fatalf("a payload cut at %d decoded", cut)
			}
		}
	}
	for _, bad := range []string{"", "junk", payloadMagic + "99:x", payloadMagic + "-1:", payloadMagic + "0:0:0:0:0:1"} {
		if _, ok := decodeSession([]byte(bad)); ok {
			t.Errorf("decoded %q", bad)
		}
	}
}

// TestRevokedMidRun: credo's keyring revoked while a process uses it gives
// that process an ErrUnavailable (its keystore then falls back to the
// backend), and the next process makes a new keyring.
func TestRevokedMidRun(t *testing.T) {
	need(t)
	var s Store
	now := time.Now()
	if err := s.SetSession("ns", "dev", "ck", session("ASIAONE", now.Add(time.Hour)), now); err != nil {
		t.Fatal(err)
	}
	_, ring, err := find()
	if err != nil || ring == 0 {
		t.Fatalf("find = %d, %v", ring, err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_REVOKE, ring, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSession("ns", "dev", "ck", session("ASIATWO", now.Add(time.Hour)), now); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("SetSession into a revoked keyring: %v, want ErrUnavailable", err)
	}
	if _, err := s.FindSession("ns", "dev", "ck", now); !errors.Is(err, item.ErrNotFound) {
		t.Fatalf("FindSession in a revoked keyring: %v", err)
	}
	var next Store
	if err := next.SetSession("ns", "dev", "ck", session("ASIATHREE", now.Add(time.Hour)), now); err != nil {
		t.Fatalf("a new process after the revocation: %v", err)
	}
	if got, err := next.FindSession("ns", "dev", "ck", now); err != nil || got.AccessKeyID != "ASIATHREE" {
		t.Fatalf("FindSession = %+v, %v", got, err)
	}
}

// TestForChildKeepsMemoryFromTheCommand: a command credo hands credentials
// to (credo exec's) reads neither the unlocked keyring key nor any session,
// while other processes of the login (credo's own) still do; and it keeps
// the user keyring (the keyctl backend's), as a login does.
func TestForChildKeepsMemoryFromTheCommand(t *testing.T) {
	need(t)
	var s Store
	now := time.Now()
	if err := s.SetSession("ns", "child", "ck", session("ASIACHILD", now.Add(time.Hour)), now); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUnlockedKey("folder", []byte("0123456789abcdef0123456789abcdef"), time.Minute); err != nil {
		t.Fatal(err)
	}
	run := func(isolated bool, env string) string {
		var out strings.Builder
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), env)
		cmd.Stdout = &out
		start := cmd.Start
		if isolated {
			start = func() error { return harden.ForChild(cmd.Start) }
		}
		if err := start(); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	if got := run(false, "MEMSTORE_HELPER=child"); got != "ASIACHILD" {
		t.Fatalf("a process of the login read %q", got)
	}
	if got := run(false, "MEMSTORE_HELPER_UNLOCKED=folder"); got != "key" {
		t.Fatalf("a process of the login: %q", got)
	}
	if got := run(true, "MEMSTORE_HELPER=child"); got != "miss" {
		t.Fatalf("the command read the session: %q", got)
	}
	if got := run(true, "MEMSTORE_HELPER_UNLOCKED=folder"); got != "nokey" {
		t.Fatalf("the command read the unlocked key: %q", got)
	}
	// credo's own threads are untouched.
	if _, ok, _ := s.UnlockedKey("folder", time.Minute); !ok {
		t.Fatal("this process lost the unlocked key")
	}
	// The command's session keyring links the user keyring.
	if got := run(true, "MEMSTORE_HELPER_USERLINK=1"); got != "linked" {
		t.Fatalf("the command's session keyring: %q", got)
	}
}

// TestOtherUsersKeyringsAreNotUsed: a session keyring that belongs to
// another user (sshd's, shared by the logins it starts where pam_keyinit is
// missing) is not used, and a key someone else linked where credo searches
// is not taken for credo's. It needs root, to give keys away.
func TestOtherUsersKeyringsAreNotUsed(t *testing.T) {
	need(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root (to chown keys); run as root to test the ownership checks")
	}
	var s Store
	now := time.Now()
	if err := s.SetSession("ns", "planted", "ck", session("ASIAPLANTED", now.Add(time.Hour)), now); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUnlockedKey("planted", []byte("0123456789abcdef0123456789abcdef"), time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, desc := range []string{sessionDesc("ns", "planted", "ck"), unlockPrefix + "planted"} {
		id, ok := search(desc)
		if !ok {
			t.Fatalf("%s not stored", desc)
		}
		if _, err := unix.KeyctlInt(unix.KEYCTL_CHOWN, id, 65534, -1, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.FindSession("ns", "planted", "ck", now); err == nil {
		t.Fatalf("took another user's key for a session: %+v", got)
	}
	if _, ok, _ := s.UnlockedKey("planted", time.Minute); ok {
		t.Fatal("took another user's key for an unlocked key")
	}

	// A session keyring of another user's: memory is unavailable. On a
	// thread of its own, which joins a new session keyring and gives it away.
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if _, err := unix.KeyctlInt(unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0); err != nil {
			errc <- err
			return
		}
		if _, err := unix.KeyctlInt(unix.KEYCTL_CHOWN, unix.KEY_SPEC_SESSION_KEYRING, 65534, -1, 0); err != nil {
			errc <- err
			return
		}
		var other Store
		err := other.SetSession("ns", "dev", "ck", session("ASIASHARED", now.Add(time.Hour)), now)
		if !errors.Is(err, ErrUnavailable) {
			errc <- fmt.Errorf("SetSession in another user's session keyring: %v, want ErrUnavailable", err)
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// flockFunc is a CreateLock on the file path, as credo's single-flight lock
// is.
func flockFunc(path string) func(string) (func(), error) {
	return func(string) (func(), error) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, err
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
		return func() { f.Close() }, nil
	}
}

// TestConcurrentCreationKeepsBothKeys: two processes that both find no
// keyring of credo's and both create one. add_key replaces the first one's
// link with the second's, so without CreateLock the keys written into the
// first are lost. The second process starts while the first is about to
// create the keyring.
func TestConcurrentCreationKeepsBothKeys(t *testing.T) {
	need(t)
	sessionRing, ring, err := find()
	if err != nil {
		t.Fatal(err)
	}
	if ring != 0 {
		if _, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, ring, sessionRing, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	lockFile := filepath.Join(t.TempDir(), "create.lock")
	var out strings.Builder
	other := exec.Command(os.Args[0], "-test.run=^$")
	other.Env = append(os.Environ(), "MEMSTORE_HELPER_CREATE="+lockFile)
	other.Stdout = &out
	beforeCreate = func() {
		beforeCreate = nil
		if err := other.Start(); err != nil {
			t.Error(err)
			return
		}
		// Long enough for the other process to find no keyring and, without
		// the lock, to make its own and store its session in it.
		time.Sleep(500 * time.Millisecond)
	}
	defer func() { beforeCreate = nil }()
	s := Store{CreateLock: flockFunc(lockFile)}
	now := time.Now()
	if err := s.SetSession("ns", "first", "ck", session("ASIAFIRST", now.Add(time.Hour)), now); err != nil {
		t.Fatal(err)
	}
	if err := other.Wait(); err != nil || out.Len() != 0 {
		t.Fatalf("the other process: %v %s", err, out.String())
	}
	var fresh Store
	for _, p := range []string{"first", "second"} {
		if _, err := fresh.FindSession("ns", p, "ck", now); err != nil {
			t.Errorf("session of %s lost: %v", p, err)
		}
	}
}
