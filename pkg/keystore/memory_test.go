package keystore

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/memstore"
)

// failingMemory is a memory store that is full (or revoked) from the start,
// or after some successful writes.
type failingMemory struct {
	SessionMemory
	failAfter int
	writes    int
}

func (f *failingMemory) SetSession(ns, profile, cacheKey string, s Session, now time.Time) error {
	f.writes++
	if f.writes > f.failAfter {
		return fmt.Errorf("%w: the user's kernel key quota is full", memstore.ErrUnavailable)
	}
	return f.SessionMemory.SetSession(ns, profile, cacheKey, s, now)
}

// TestSessionsInMemoryAndFallback: sessions go to memory, not the keyring;
// when memory fails, to the keyring, and nothing fails (issue 10).
func TestSessionsInMemoryAndFallback(t *testing.T) {
	if _, err := (&memstore.Store{}).Sessions("probe"); err != nil {
		t.Skipf("no kernel key store: %v", err)
	}
	dir := t.TempDir()
	var log bytes.Buffer
	open := func(mem SessionMemory, ns string) Store {
		s, err := Open(Config{Backend: BackendFile, FileDir: dir, FilePassphrase: fixedPassphrase(testPassphrase), FileKDF: cheapKDF,
			Memory: mem, MemoryNamespace: ns, Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ns := memstore.Namespace("test", dir)
	s := open(&memstore.Store{}, ns)
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	sess := Session{AccessKeyID: "ASIAMEM", SecretAccessKey: "s", SessionToken: "t", Expiration: exp}
	if err := s.SetSession("dev", "ck", sess); err != nil {
		t.Fatal(err)
	}
	if names, _ := filefast.Names(dir, sessionPrefix); len(names) != 0 {
		t.Fatalf("a session held in memory was written to the keyring: %q", names)
	}
	// Another process (store) finds it without a passphrase.
	s2, err := Open(Config{Backend: BackendFile, FileDir: dir, Memory: &memstore.Store{}, MemoryNamespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.FindSession("dev", "ck", time.Now()); err != nil || got.AccessKeyID != "ASIAMEM" {
		t.Fatalf("FindSession from memory = %+v, %v", got, err)
	}
	// Not for another keyring's namespace.
	if _, err := open(&memstore.Store{}, memstore.Namespace("test", "/elsewhere")).FindSession("dev", "ck", time.Now()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another namespace: %v", err)
	}
	refs, err := s2.Sessions("")
	if err != nil || len(refs) != 1 || refs[0].Profile != "dev" || !refs[0].inMemory {
		t.Fatalf("Sessions = %+v, %v", refs, err)
	}
	if err := s2.RemoveSession(refs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.FindSession("dev", "ck", time.Now()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after RemoveSession: %v", err)
	}

	// Memory full from the first write: the keyring holds the session, and
	// --debug says why.
	full := open(&failingMemory{SessionMemory: &memstore.Store{}}, ns)
	if err := full.SetSession("dev", "ck", sess); err != nil {
		t.Fatal(err)
	}
	if names, _ := filefast.Names(dir, sessionPrefix); len(names) != 1 {
		t.Fatalf("fallback: %d sessions in the keyring, want 1", len(names))
	}
	if !strings.Contains(log.String(), "sessions are kept in the keyring, not in memory") || !strings.Contains(log.String(), "quota is full") {
		t.Fatalf("no debug reason:\n%s", log.String())
	}
	if got, err := open(&memstore.Store{}, ns).FindSession("dev", "ck", time.Now()); err != nil || got.AccessKeyID != "ASIAMEM" {
		t.Fatalf("a session kept in the keyring is not found: %+v, %v", got, err)
	}
	// Memory that fails mid-run: the next write goes to the keyring.
	mid := &failingMemory{SessionMemory: &memstore.Store{}, failAfter: 1}
	ms := open(mid, ns)
	for i, p := range []string{"a", "b"} {
		if err := ms.SetSession(p, "ck", sess); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if _, err := ms.FindSession(p, "ck", time.Now()); err != nil {
			t.Fatalf("FindSession(%s) after write %d: %v", p, i, err)
		}
	}
}
