package creds

import (
	"errors"
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/keystore"
)

// unwritableStore refuses every session write, as a full disk or a
// read-only keyring folder would.
type unwritableStore struct{ *memStore }

func (unwritableStore) SetSession(string, string, keystore.Session) error {
	return errors.New("file keyring: write /k/v1%2Fsession: no space left on device")
}

// TestUncachableSessionSaysSoOnce: issue 11 item 7. A session that cannot be
// cached is still handed out, and the user is told once, in one line, why
// the next command will call STS again.
func TestUncachableSessionSaysSoOnce(t *testing.T) {
	e := newEnv(t)
	e.r.Store = unwritableStore{e.store}
	e.mustRetrieve(Options{}, role("r2"), role("r1"), base())
	got := e.notice.String()
	if strings.Count(got, "\n") != 1 || !strings.Contains(got, `credo: warning: the session of profile "r1" could not be cached (file keyring: write /k/v1%2Fsession: no space left on device)`) {
		t.Fatalf("notice %q, want one line about the uncached session", got)
	}
}
