package item

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// mapSource is a Source held in a map; a missing entry is not found.
type mapSource struct {
	names []string
	data  map[string][]byte
	gets  []string
}

func (m *mapSource) Names(prefix string) ([]string, error) {
	var out []string
	for _, n := range m.names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (m *mapSource) Get(name string) ([]byte, error) {
	m.gets = append(m.gets, name)
	d, ok := m.data[name]
	if !ok {
		return nil, fmt.Errorf("item %s: %w", name, ErrNotFound)
	}
	return d, nil
}

func (m *mapSource) ItemError(err error, _, profile, what string) error {
	return fmt.Errorf("profile %q: reading %s: %w", profile, what, err)
}

// TestFindSession: the one rule every keystore reader uses (the file
// backend, the lean front, the library's backends).
func TestFindSession(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	put := func(m *mapSource, nameExp, payloadExp time.Time, key string) string {
		n := SessionName("dev", "k", nameExp)
		data, _ := json.Marshal(SessionPayload{Version: FormatVersion, Profile: "dev", Session: Session{AccessKeyID: key, Expiration: payloadExp}})
		m.names = append(m.names, n)
		if key != "" {
			m.data[n] = data
		}
		return n
	}
	m := &mapSource{data: map[string][]byte{}}
	put(m, t0.Add(10*time.Minute), t0.Add(10*time.Minute), "OLD")
	put(m, t0.Add(3*time.Hour), t0.Add(3*time.Hour), "")        // listed, then removed by another process
	put(m, t0.Add(2*time.Hour), t0.Add(20*time.Minute), "LIES") // its name says more than it holds
	newest := put(m, t0.Add(time.Hour), t0.Add(time.Hour), "NEWEST-VALID")
	m.names = append(m.names, SessionName("dev", "other", t0.Add(5*time.Hour)), SessionDir("dev", "k")+TmpMark+"x")

	s, err := FindSession(m, "dev", "k", t0.Add(30*time.Minute))
	if err != nil || s.AccessKeyID != "NEWEST-VALID" {
		t.Fatalf("got %+v, %v", s, err)
	}
	if last := m.gets[len(m.gets)-1]; last != newest || len(m.gets) != 3 {
		t.Errorf("decrypted %q; want the vanished one, the one that lies, then %s", m.gets, newest)
	}
	// Nothing valid long enough: not found, and nothing decrypted.
	m.gets = nil
	if _, err := FindSession(m, "dev", "k", t0.Add(4*time.Hour)); !errors.Is(err, ErrNotFound) || len(m.gets) != 0 {
		t.Errorf("err %v after %d reads", err, len(m.gets))
	}
	// A payload that does not decode is corrupt.
	m.data[newest] = []byte("{")
	m.names = []string{newest}
	if _, err := FindSession(m, "dev", "k", t0); !errors.Is(err, ErrCorrupt) {
		t.Errorf("corrupt payload: %v", err)
	}
}
