package filefast

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestHostileHeaderIsRefused: a header whose key derivation parameters ask
// for more than credo allows (memory, passes, lanes) is reported as damaged
// before anything is derived, so a planted or corrupt header cannot make
// credo allocate gigabytes or run for minutes. The bounds themselves
// (1 GiB, 64 passes) are accepted.
func TestHostileHeaderIsRefused(t *testing.T) {
	good, _, err := NewHeader("passphrase", KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    KDFParams
		ok   bool
	}{
		{"4 GiB of memory", KDFParams{Time: 1, MemoryKiB: 4 << 20, Threads: 1}, false},
		{"just over 1 GiB", KDFParams{Time: 1, MemoryKiB: 1<<20 + 1, Threads: 1}, false},
		{"a million passes", KDFParams{Time: 1 << 20, MemoryKiB: 64, Threads: 1}, false},
		{"65 passes", KDFParams{Time: 65, MemoryKiB: 64, Threads: 1}, false},
		{"no passes", KDFParams{Time: 0, MemoryKiB: 64, Threads: 1}, false},
		{"no lanes", KDFParams{Time: 1, MemoryKiB: 64, Threads: 0}, false},
		{"less memory than the lanes need", KDFParams{Time: 1, MemoryKiB: 8, Threads: 2}, false},
		{"the bounds", KDFParams{Time: 64, MemoryKiB: 1 << 20, Threads: 4}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := *good
			h.Params = tc.p
			data, err := json.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, HeaderFile), data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ReadHeader(dir)
			if tc.ok {
				if err != nil || got.Params != tc.p {
					t.Fatalf("ReadHeader = %+v, %v", got, err)
				}
				return
			}
			if !errors.Is(err, ErrBadHeader) {
				t.Fatalf("ReadHeader = %+v, %v; want ErrBadHeader", got, err)
			}
		})
	}
	// A salt too short to be ours is refused too.
	h := *good
	h.Salt = h.Salt[:8]
	data, _ := json.Marshal(h)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, HeaderFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadHeader(dir); !errors.Is(err, ErrBadHeader) {
		t.Fatalf("short salt: %v", err)
	}
}
