package keystore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/hint"
)

func TestFileRotationJournalCorrupt(t *testing.T) {
	dir := t.TempDir()
	st := openFile(t, dir, fixedPassphrase(testPassphrase))
	s := st.(RotationStore)
	if err := s.SetKey("dev", LongTermKey{AccessKeyID: "AKIAGOOD", SecretAccessKey: "s"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRotation("dev", Rotation{OldKeyID: "AKIAGOOD"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fileEscape(rotationName("dev")))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("journal file: %v", err)
	}
	writeRaw(t, dir, rotationName("dev"), []byte(`{"Version":1,"NewKey":{"AccessKeyId":"AKIANEW"}}`))
	_, err := s.GetRotation("dev")
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `profile "dev": key rotation journal is unreadable`) {
		t.Fatalf("GetRotation = %v", err)
	}
	if h := hint.Of(err); !strings.Contains(h, "credo remove dev") {
		t.Errorf("hint = %q", h)
	}
	if err := os.WriteFile(path, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRotation("dev"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("GetRotation of junk = %v", err)
	}
	// The key next to it still reads, and the journal can be removed
	// without being read.
	if k, err := s.GetKey("dev"); err != nil || k.AccessKeyID != "AKIAGOOD" {
		t.Fatalf("GetKey = %+v, %v", k, err)
	}
	if err := s.RemoveRotation("dev"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("journal file after remove: %v", err)
	}
}
