package keystore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
)

// memCache is a KeyCache in a map, counting what it is asked.
type memCache struct {
	mu   sync.Mutex
	keys map[string][]byte
	puts int
}

func (c *memCache) UnlockedKey(id string, _ time.Duration) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[id]
	return k, ok, nil
}

func (c *memCache) PutUnlockedKey(id string, key []byte, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = map[string][]byte{}
	}
	c.keys[id] = append([]byte{}, key...)
	c.puts++
	return nil
}

// asker answers from a list and records the requests.
type asker struct {
	answers []string
	reqs    []PassphraseRequest
}

func (a *asker) ask(req PassphraseRequest) (string, error) {
	a.reqs = append(a.reqs, req)
	if len(a.reqs) > len(a.answers) {
		return "", errors.New("no more answers")
	}
	return a.answers[len(a.reqs)-1], nil
}

func openWith(t *testing.T, dir string, a *asker, cache KeyCache) Store {
	t.Helper()
	s, err := Open(Config{Backend: BackendFile, FileDir: dir, FilePassphrase: a.ask, FilePassphraseTries: 3,
		FileKDF: cheapKDF, UnlockCache: cache, UnlockTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var testKey = LongTermKey{AccessKeyID: "AKIAV2TESTEXAMPLE", SecretAccessKey: "V2SECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEX"}

func TestFileV2NewKeyringFormat(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyring")
	s, err := Open(Config{Backend: BackendFile, FileDir: dir, FilePassphrase: fixedPassphrase(testPassphrase)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetKey("dev", testKey); err != nil {
		t.Fatal(err)
	}
	hdr, err := filefast.ReadHeader(dir)
	if err != nil {
		t.Fatal(err)
	}
	if hdr.KDF != "argon2id" || hdr.Params != filefast.DefaultKDF {
		t.Fatalf("header KDF %s %+v, want argon2id %+v", hdr.KDF, hdr.Params, filefast.DefaultKDF)
	}
	token, err := os.ReadFile(filepath.Join(dir, fileEscape(keyName("dev"))))
	if err != nil {
		t.Fatal(err)
	}
	if !filefast.IsV2(token) || bytes.Contains(token, []byte(testKey.SecretAccessKey)) {
		t.Fatalf("item is not a version 2 item: %.40s", token)
	}
	if _, err := filefast.Decode(token, testPassphrase); err == nil {
		t.Fatal("the version 1 decoder read a version 2 item")
	}
	st, _ := os.Stat(filepath.Join(dir, filefast.HeaderFile))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("header mode %v", st.Mode().Perm())
	}
	// Another process (a new store) reads it back with the passphrase.
	s2 := openFile(t, dir, fixedPassphrase(testPassphrase))
	if k, err := s2.GetKey("dev"); err != nil || k != testKey {
		t.Fatalf("GetKey = %+v, %v", k, err)
	}
	wrong := openFile(t, dir, fixedPassphrase("not it"))
	if _, err := wrong.GetKey("dev"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

// TestFileV1ItemsMoveToV2 writes a keyring as credo's earlier versions (and
// 99designs/keyring) did, then uses it: every item reads, and the first
// write moves them all to version 2.
func TestFileV1ItemsMoveToV2(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"dev", "prod"} {
		writeRaw(t, dir, keyName(p), []byte(`{"Version":1,"AccessKeyId":"AKIA`+strings.ToUpper(p)+`","SecretAccessKey":"s"}`))
	}
	a := &asker{answers: []string{testPassphrase}}
	s := openWith(t, dir, a, nil)
	if k, err := s.GetKey("dev"); err != nil || k.AccessKeyID != "AKIADEV" {
		t.Fatalf("v1 GetKey = %+v, %v", k, err)
	}
	if _, err := filefast.ReadHeader(dir); !errors.Is(err, filefast.ErrNoHeader) {
		t.Fatalf("a read wrote a header: %v", err)
	}
	if err := s.SetKey("new", testKey); err != nil {
		t.Fatal(err)
	}
	if len(a.reqs) != 1 || a.reqs[0].New {
		t.Fatalf("asked %+v, want once, not as a new keyring", a.reqs)
	}
	for _, p := range []string{"dev", "prod", "new"} {
		token, err := os.ReadFile(filepath.Join(dir, fileEscape(keyName(p))))
		if err != nil || !filefast.IsV2(token) {
			t.Fatalf("%s is not version 2 after a write: %v", p, err)
		}
	}
	s2 := openFile(t, dir, fixedPassphrase(testPassphrase))
	if k, err := s2.GetKey("prod"); err != nil || k.AccessKeyID != "AKIAPROD" {
		t.Fatalf("moved item: %+v, %v", k, err)
	}
}

func TestFileV1KeyringRefusesAnotherPassphrase(t *testing.T) {
	dir := t.TempDir()
	writeRaw(t, dir, keyName("dev"), []byte(`{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}`))
	a := &asker{answers: []string{"wrong one", "wrong two", "wrong three"}}
	s := openWith(t, dir, a, nil)
	if err := s.SetKey("new", testKey); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("SetKey with another passphrase: %v", err)
	}
	if _, err := filefast.ReadHeader(dir); !errors.Is(err, filefast.ErrNoHeader) {
		t.Fatalf("a header was written for a wrong passphrase: %v", err)
	}
	if len(a.reqs) != 3 || a.reqs[0].Retry || !a.reqs[1].Retry {
		t.Fatalf("requests %+v, want three, the last two retries", a.reqs)
	}
}

func TestFilePassphraseRetriesAndNeverCachesAWrongOne(t *testing.T) {
	dir := t.TempDir()
	first := &asker{answers: []string{testPassphrase}}
	if err := openWith(t, dir, first, nil).SetKey("dev", testKey); err != nil {
		t.Fatal(err)
	}
	if len(first.reqs) != 1 || !first.reqs[0].New {
		t.Fatalf("new keyring requests %+v, want one marked New", first.reqs)
	}

	cache := &memCache{}
	a := &asker{answers: []string{"wrong", "also wrong", testPassphrase}}
	s := openWith(t, dir, a, cache)
	if k, err := s.GetKey("dev"); err != nil || k != testKey {
		t.Fatalf("GetKey after two wrong answers: %+v, %v", k, err)
	}
	if len(a.reqs) != 3 || a.reqs[0].Retry || !a.reqs[2].Retry || a.reqs[0].New {
		t.Fatalf("requests %+v", a.reqs)
	}
	if cache.puts != 1 {
		t.Fatalf("cache puts = %d, want 1 (the right key only)", cache.puts)
	}

	// Unlocked: the next process asks nothing.
	b := &asker{}
	if k, err := openWith(t, dir, b, cache).GetKey("dev"); err != nil || k != testKey || len(b.reqs) != 0 {
		t.Fatalf("unlocked GetKey = %+v, %v after %d questions", k, err, len(b.reqs))
	}

	// Three wrong answers: the wrong-passphrase error, and nothing cached.
	cache2 := &memCache{}
	c := &asker{answers: []string{"a", "b", "c", testPassphrase}}
	if _, err := openWith(t, dir, c, cache2).GetKey("dev"); !errors.Is(err, ErrWrongPassphrase) || len(c.reqs) != 3 {
		t.Fatalf("three wrong: %v after %d questions", err, len(c.reqs))
	}
	if cache2.puts != 0 {
		t.Fatal("a wrong passphrase's key was cached")
	}
}

func TestFileUnlockCacheIsPerFolder(t *testing.T) {
	base := t.TempDir()
	cache := &memCache{}
	one, two := filepath.Join(base, "one"), filepath.Join(base, "two")
	if err := openWith(t, one, &asker{answers: []string{testPassphrase}}, cache).SetKey("dev", testKey); err != nil {
		t.Fatal(err)
	}
	if err := openWith(t, two, &asker{answers: []string{"another passphrase"}}, cache).SetKey("dev", testKey); err != nil {
		t.Fatal(err)
	}
	if len(cache.keys) != 2 {
		t.Fatalf("cache holds %d keys, want one per folder", len(cache.keys))
	}
	// The same folder made anew (a new header) does not take the old key.
	if err := os.RemoveAll(two); err != nil {
		t.Fatal(err)
	}
	a := &asker{answers: []string{"third"}}
	if err := openWith(t, two, a, cache).SetKey("dev", testKey); err != nil || len(a.reqs) != 1 || !a.reqs[0].New {
		t.Fatalf("new keyring in the same folder: %v, requests %+v", err, a.reqs)
	}
}

func TestFileConcurrentCreationMakesOneHeader(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyring")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(Config{Backend: BackendFile, FileDir: dir, FilePassphrase: fixedPassphrase(testPassphrase), FileKDF: cheapKDF})
			if err == nil {
				err = s.SetKey("p"+string(rune('a'+i)), testKey)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	for i := range 8 {
		if _, err := s.GetKey("p" + string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestFileFolderTrust covers issue 11 item 8: only regular files of bounded
// size are read as items, and the folder is made private.
func TestFileFolderTrust(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	if err := s.SetKey("good", testKey); err != nil {
		t.Fatal(err)
	}
	path := func(p string) string { return filepath.Join(dir, fileEscape(keyName(p))) }
	if err := syscall.Mkfifo(path("fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", path("zero")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path("good"), path("link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path("big"), bytes.Repeat([]byte("A"), filefast.MaxItemSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"fifo": `profile "fifo": stored key is unreadable: its file is a FIFO, not a regular file`,
		"zero": `profile "zero": stored key is unreadable: its file is a symbolic link; credo reads only regular files`,
		"link": `profile "link": stored key is unreadable: its file is a symbolic link; credo reads only regular files`,
		"big":  `profile "big": stored key is unreadable: its file is larger than an item can be (64 KiB at most)`,
	}
	for p, want := range cases {
		done := make(chan error, 1)
		go func() { _, err := s.GetKey(p); done <- err }()
		select {
		case err := <-done:
			if err == nil || err.Error() != want || !errors.Is(err, ErrCorrupt) || !strings.Contains(hint.Of(err), "credo remove "+p) {
				t.Errorf("GetKey(%s) = %v (hint %q), want %q", p, err, hint.Of(err), want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("GetKey(%s) hangs", p)
		}
	}
	// Writing another profile is not held up by the FIFO.
	if err := s.SetKey("other", testKey); err != nil {
		t.Fatal(err)
	}

	// A folder open to others is closed on open.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	openFile(t, dir, fixedPassphrase(testPassphrase))
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v after open, want 0700", st.Mode().Perm())
	}
	// A folder that is a symbolic link is refused.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Config{Backend: BackendFile, FileDir: link}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlinked folder: %v", err)
	}
}

func TestLibraryCannotReadV2ButV1StaysReadable(t *testing.T) {
	// aws-vault's keyrings (version 1) stay readable by the lean decoder.
	dir := t.TempDir()
	writeRaw(t, dir, "aws-vault-item", []byte("payload"))
	token, err := os.ReadFile(filepath.Join(dir, "aws-vault-item"))
	if err != nil {
		t.Fatal(err)
	}
	if data, err := filefast.Decode(token, testPassphrase); err != nil || string(data) != "payload" {
		t.Fatalf("v1 decode: %q, %v", data, err)
	}
	kr, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: dir, FilePasswordFunc: keyring.FixedStringPrompt(testPassphrase)})
	if err != nil {
		t.Fatal(err)
	}
	if it, err := kr.Get("aws-vault-item"); err != nil || string(it.Data) != "payload" {
		t.Fatalf("library read: %v", err)
	}
}

// TestLongProfileNames covers issue 11 item 7: item names do not grow with
// the profile name, so any profile name can be stored, listed and removed.
func TestLongProfileNames(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, fixedPassphrase(testPassphrase))
	long := strings.Repeat("very-long-profile/", 60) // 1,080 characters
	if err := s.SetKey(long, testKey); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := s.SetSession(long, "ck", Session{AccessKeyID: "ASIALONG", SecretAccessKey: "s", SessionToken: "t", Expiration: exp}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if len(e.Name()) > 200 {
			t.Errorf("file name of %d bytes", len(e.Name()))
		}
	}
	if k, err := s.GetKey(long); err != nil || k != testKey {
		t.Fatalf("GetKey = %+v, %v", k, err)
	}
	if sess, err := s.FindSession(long, "ck", time.Now()); err != nil || sess.AccessKeyID != "ASIALONG" {
		t.Fatalf("FindSession = %+v, %v", sess, err)
	}
	if ps, err := s.KeyProfiles(); err != nil || len(ps) != 1 || ps[0] != long {
		t.Fatalf("KeyProfiles = %q, %v", ps, err)
	}
	refs, err := s.Sessions("")
	if err != nil || len(refs) != 1 || refs[0].Profile != long {
		t.Fatalf("Sessions = %+v, %v", refs, err)
	}
	if refs, err := s.Sessions(long); err != nil || len(refs) != 1 {
		t.Fatalf("Sessions(long) = %+v, %v", refs, err)
	}
	if refs, err := s.Sessions("other"); err != nil || len(refs) != 0 {
		t.Fatalf("Sessions(other) = %+v, %v", refs, err)
	}
	if err := s.RemoveSession(refs[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveKey(long); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.KeyProfiles(); len(ps) != 0 {
		t.Fatalf("after removal: %q", ps)
	}
}
