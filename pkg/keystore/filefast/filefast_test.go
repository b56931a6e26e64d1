package filefast_test

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/mtibben/percent"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/keystore/item"
)

const pw = "correct horse battery staple"

func TestFileNameIsTheLibrarys(t *testing.T) {
	names := []string{"", "plain", "v1/session/dev/abc/123", "a%b", "%2F", "%zz", "%4", "x%", "é/ü", "bad\xff/utf8", "~tmp.1", "a//b"}
	for _, n := range names {
		if got, want := filefast.FileName(n), percent.Encode(n, "/"); got != want {
			t.Errorf("FileName(%q) = %q, want %q", n, got, want)
		}
		if got, want := filefast.ItemName(n), percent.Decode(n); got != want {
			t.Errorf("ItemName(%q) = %q, want %q", n, got, want)
		}
	}
	// And the file the library really writes.
	dir := t.TempDir()
	kr, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: dir, FilePasswordFunc: keyring.FixedStringPrompt(pw)})
	if err != nil {
		t.Fatal(err)
	}
	name := item.SessionName("team/dev%", "k", time.Unix(1900000000, 0))
	if err := kr.Set(keyring.Item{Key: name, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, filefast.FileName(name))); err != nil {
		t.Fatal(err)
	}
	got, err := filefast.Names(dir, item.SessionPrefix)
	if err != nil || len(got) != 1 || got[0] != name {
		t.Fatalf("Names = %q, %v; want [%q]", got, err, name)
	}
}

func TestDefaultDirAndExpandTilde(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := filefast.DefaultDir(env(map[string]string{"XDG_DATA_HOME": "/data", "HOME": "/h"})); got != "/data/credo/keyring" {
		t.Errorf("DefaultDir with XDG_DATA_HOME = %q", got)
	}
	if got := filefast.DefaultDir(env(map[string]string{"XDG_DATA_HOME": "rel", "HOME": "/h"})); got != "/h/.local/share/credo/keyring" {
		t.Errorf("DefaultDir with a relative XDG_DATA_HOME = %q", got)
	}
	if got := keystore.FileDir("", env(map[string]string{"HOME": "/h"})); got != filefast.DefaultDir(env(map[string]string{"HOME": "/h"})) {
		t.Errorf("keystore.FileDir unset = %q", got)
	}
	if got := keystore.FileDir("~/mine", env(map[string]string{"HOME": "/h"})); got != "~/mine" {
		t.Errorf("keystore.FileDir set = %q", got)
	}
	if got, err := filefast.ExpandTilde("~/k", env(map[string]string{"HOME": "/h"})); err != nil || got != "/h/k" {
		t.Errorf("ExpandTilde = %q, %v", got, err)
	}
	if got, err := filefast.ExpandTilde("/abs/~/k", env(nil)); err != nil || got != "/abs/~/k" {
		t.Errorf("ExpandTilde of an absolute path = %q, %v", got, err)
	}
	if _, err := filefast.ExpandTilde("~/k", env(nil)); err == nil {
		t.Error("ExpandTilde without HOME: no error")
	}
}

// cheapKDF makes test keyrings quick to unlock.
var cheapKDF = filefast.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

type fixture struct {
	t   *testing.T
	dir string
	st  keystore.Store
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: filepath.Join(t.TempDir(), "keyring"), now: time.Now().Truncate(time.Second)}
	st, err := keystore.Open(keystore.Config{Backend: keystore.BackendFile, FileDir: f.dir,
		FilePassphrase: keystore.FixedPassphrase(pw), FileKDF: cheapKDF, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.st = st
	return f
}

func (f *fixture) set(profile, key, id string, exp time.Time) {
	f.t.Helper()
	if err := f.st.SetSession(profile, key, item.Session{AccessKeyID: id, SecretAccessKey: "s", SessionToken: "t", Expiration: exp}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, filefast.FileName(name)) }

// both runs filefast.FindSession and keystore's, and checks they agree.
func (f *fixture) both(profile, key string, notAfter time.Time) (item.Session, error) {
	f.t.Helper()
	s1, err1 := filefast.FindSession(f.dir, pw, profile, key, notAfter)
	s2, err2 := f.st.FindSession(profile, key, notAfter)
	if errors.Is(err1, filefast.ErrUnsupported) {
		return s1, err1 // keystore's library fallback answers differently
	}
	if s1 != s2 || (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) || hint.Of(err1) != hint.Of(err2) {
		f.t.Fatalf("filefast: %+v, %v; keystore: %+v, %v", s1, err1, s2, err2)
	}
	return s1, err1
}

func TestFindSessionSelection(t *testing.T) {
	f := newFixture(t)
	if _, err := f.both("dev", "k", f.now); !errors.Is(err, item.ErrNotFound) || err.Error() != `profile "dev": no cached session: not found` {
		t.Fatalf("no folder: %v", err)
	}
	if _, err := filefast.FindSession(f.dir, pw, "", "k", f.now); err == nil {
		t.Fatal("empty profile: no error")
	}
	f.set("dev", "k", "OLD", f.now.Add(time.Hour))
	f.set("dev", "k", "NEW", f.now.Add(3*time.Hour))
	f.set("dev", "other", "OTHERKEY", f.now.Add(5*time.Hour))
	f.set("dev2", "k", "OTHERPROFILE", f.now.Add(5*time.Hour))
	// SetSession drops superseded sessions; put the older one back by hand
	// (as a concurrent writer could leave it).
	old := item.SessionName("dev", "k", f.now.Add(time.Hour))
	if _, err := os.Stat(f.path(old)); err == nil {
		t.Fatal("SetSession kept the superseded session")
	}
	newest := item.SessionName("dev", "k", f.now.Add(3*time.Hour))
	data, err := os.ReadFile(f.path(newest))
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := filefast.ReadHeader(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	key, err := hdr.DeriveKey(pw)
	if err != nil {
		t.Fatal(err)
	}
	// An item is bound to its name: the NEW session's file copied under
	// an earlier name does not decrypt.
	if err := os.WriteFile(f.path(old), data, 0o600); err != nil {
		t.Fatal(err)
	}
	moved := &filefast.Reader{Dir: f.dir, Passphrase: func() (string, error) { return pw, nil }, Key: func() ([]byte, error) { return key, nil }}
	if _, err := moved.Get(old); !errors.Is(err, filefast.ErrTampered) {
		t.Fatalf("an item moved to another name: %v, want ErrTampered", err)
	}
	// The NEW session written under an earlier name: its contents' expiry
	// decides validity, so it serves while the content says so.
	plain, err := filefast.OpenItem(key, newest, data)
	if err != nil {
		t.Fatal(err)
	}
	resealed, err := filefast.SealItem(key, old, plain, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.path(old), resealed, 0o600); err != nil {
		t.Fatal(err)
	}
	// A temporary item of an unfinished write, newer than anything.
	if err := os.WriteFile(f.path(item.SessionDir("dev", "k")+item.TmpMark+"abc"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}

	s, err := f.both("dev", "k", f.now)
	if err != nil || s.AccessKeyID != "NEW" {
		t.Fatalf("FindSession = %+v, %v; want NEW", s, err)
	}
	if _, err := f.both("dev", "k", f.now.Add(3*time.Hour)); !errors.Is(err, item.ErrNotFound) {
		t.Fatalf("not valid long enough: %v", err)
	}

	// One decryption: the newest valid item only.
	calls := 0
	r := &filefast.Reader{Dir: f.dir, Passphrase: func() (string, error) { return pw, nil }, Key: func() ([]byte, error) { calls++; return key, nil }}
	if s, err := r.FindSession("dev", "k", f.now); err != nil || s.AccessKeyID != "NEW" || calls != 1 {
		t.Fatalf("Reader.FindSession = %+v, %v after %d decryptions; want NEW after 1", s, err, calls)
	}
	// Listing never asks for the passphrase.
	calls = 0
	if _, err := r.FindSession("nobody", "k", f.now); !errors.Is(err, item.ErrNotFound) || calls != 0 {
		t.Fatalf("no session: %v after %d passphrase calls", err, calls)
	}
	// A session removed since the listing is skipped: remove the newest.
	if err := os.Remove(f.path(newest)); err != nil {
		t.Fatal(err)
	}
	if s, err := f.both("dev", "k", f.now); err != nil || s.AccessKeyID != "NEW" {
		t.Fatalf("after removing the newest: %+v, %v", s, err)
	}
}

func TestFindSessionErrors(t *testing.T) {
	f := newFixture(t)
	exp := f.now.Add(time.Hour)
	f.set("dev", "k", "ASIA1", exp)
	f.set("other", "k", "ASIA2", exp)
	name := item.SessionName("dev", "k", exp)

	_, err := filefast.FindSession(f.dir, "wrong", "dev", "k", f.now)
	if !errors.Is(err, item.ErrWrongPassphrase) || !errors.Is(err, keystore.ErrWrongPassphrase) || !strings.Contains(hint.Of(err), "CREDO_FILE_PASSPHRASE") {
		t.Fatalf("wrong passphrase: %v (hint %q)", err, hint.Of(err))
	}

	// A damaged item while the keyring's key is right: corrupt, not a wrong
	// passphrase.
	token, err := os.ReadFile(f.path(name))
	if err != nil {
		t.Fatal(err)
	}
	token[len(token)-3] ^= 1
	if err := os.WriteFile(f.path(name), token, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = f.both("dev", "k", f.now)
	if !errors.Is(err, item.ErrCorrupt) || !errors.Is(err, keystore.ErrCorrupt) ||
		err.Error() != `profile "dev": cached session is unreadable: `+filefast.ErrTampered.Error() ||
		!strings.Contains(hint.Of(err), `credo clear dev`) {
		t.Fatalf("damaged item: %v (hint %q)", err, hint.Of(err))
	}

	// A valid item whose JSON has no format version.
	kr, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: f.dir, FilePasswordFunc: keyring.FixedStringPrompt(pw)})
	if err != nil {
		t.Fatal(err)
	}
	if err := kr.Set(keyring.Item{Key: name, Data: []byte(`{"AccessKeyId":"X"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err = f.both("dev", "k", f.now); !errors.Is(err, item.ErrCorrupt) || err.Error() != `profile "dev": cached session is unreadable: no format version` {
		t.Fatalf("no version: %v", err)
	}

	// Bytes the lean decoder does not handle: ErrUnsupported, for the full
	// binary to judge (keystore, through the library, calls them corrupt).
	if err := os.WriteFile(f.path(name), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.both("dev", "k", f.now); !errors.Is(err, filefast.ErrUnsupported) || errors.Is(err, item.ErrCorrupt) || errors.Is(err, item.ErrNotFound) {
		t.Fatalf("junk: %v, want ErrUnsupported", err)
	}
	if _, err := f.st.FindSession("dev", "k", f.now); !errors.Is(err, keystore.ErrCorrupt) {
		t.Fatalf("keystore on junk: %v, want ErrCorrupt", err)
	}
	// The other profile's session still reads.
	if s, err := f.both("other", "k", f.now); err != nil || s.AccessKeyID != "ASIA2" {
		t.Fatalf("other: %+v, %v", s, err)
	}
}
