package creds

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
)

// TestTargetKeyFindsWhatRetrieveCached checks that the lean front binary's
// lookup (plan.TargetKey, then filefast.FindSession on the file backend)
// finds exactly the session Retrieve cached for the target, and that
// keystore's own FindSession agrees (issue 4: the hot path).
func TestTargetKeyFindsWhatRetrieveCached(t *testing.T) {
	chainOf3 := func() []*config.Profile {
		a, b, c := role("a"), role("b"), role("c")
		a.SourceProfile, b.SourceProfile, c.SourceProfile = "b", "c", "base"
		return []*config.Profile{a, b, c, base()}
	}
	cases := []struct {
		name        string
		chain       func() []*config.Profile
		opts        Options
		wantProfile string
	}{
		{"user without MFA", func() []*config.Profile { return []*config.Profile{base()} }, Options{}, "base"},
		{"user with MFA", func() []*config.Profile { return []*config.Profile{baseMFA()} }, Options{}, "base"},
		{"user with a duration", func() []*config.Profile { return []*config.Profile{base()} }, Options{Duration: 2 * time.Hour}, "base"},
		{"role", func() []*config.Profile { return []*config.Profile{role("dev"), base()} }, Options{}, "dev"},
		{"role with MFA", func() []*config.Profile { return []*config.Profile{roleMFA("dev"), base()} }, Options{}, "dev"},
		{"role with --no-session", func() []*config.Profile { return []*config.Profile{roleMFA("dev"), base()} }, Options{NoSession: true}, "dev"},
		{"chain of three roles", chainOf3, Options{}, "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			dir := filepath.Join(t.TempDir(), "keyring")
			st, err := keystore.Open(keystore.Config{
				Backend:        keystore.BackendFile,
				FileDir:        dir,
				FilePassphrase: keystore.FixedPassphrase("pw"), FileKDF: filefast.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1},
				Now: e.clock.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetKey("base", keystore.LongTermKey{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}); err != nil {
				t.Fatal(err)
			}
			e.r.Store = st

			profile, key, err := plan.TargetKey(tc.chain(), tc.opts, e.r.Getenv)
			if err != nil {
				t.Fatalf("TargetKey: %v", err)
			}
			if profile != tc.wantProfile || len(key) != 32 {
				t.Fatalf("TargetKey = %q, %q; want profile %q and a 32-digit key", profile, key, tc.wantProfile)
			}
			notAfter := e.clock.Now().Add(testMinTTL)
			if _, err := filefast.FindSession(dir, "pw", profile, key, notAfter); !errors.Is(err, keystore.ErrNotFound) {
				t.Fatalf("before Retrieve: %v, want ErrNotFound", err)
			}

			c := e.mustRetrieve(tc.opts, tc.chain()...)
			got, err := filefast.FindSession(dir, "pw", profile, key, notAfter)
			if err != nil {
				t.Fatalf("filefast.FindSession: %v", err)
			}
			if got.AccessKeyID != c.AccessKeyID || got.SecretAccessKey != c.SecretAccessKey || got.SessionToken != c.SessionToken || !got.Expiration.Equal(c.Expires) {
				t.Fatalf("filefast found %+v, Retrieve returned %+v", got, c)
			}
			viaStore, err := st.FindSession(profile, key, notAfter)
			if err != nil || viaStore != got {
				t.Fatalf("keystore.FindSession = %+v, %v; want %+v", viaStore, err, got)
			}
			// And Retrieve itself answers from that session, with no call.
			e.reqs()
			if c2 := e.mustRetrieve(tc.opts, tc.chain()...); c2.AccessKeyID != c.AccessKeyID {
				t.Fatalf("second Retrieve gave %s, want the cached %s", c2.AccessKeyID, c.AccessKeyID)
			}
			if r := e.reqs(); len(r) != 0 {
				t.Fatalf("second Retrieve made %d STS calls", len(r))
			}
		})
	}
}

// TestTargetKeyOfUncachedCredentials: credentials that Retrieve never caches
// have no key; TargetKey says so with ErrNoSession (the front binary then
// runs the full resolver).
func TestTargetKeyOfUncachedCredentials(t *testing.T) {
	cases := []struct {
		name  string
		chain []*config.Profile
		opts  Options
	}{
		{"user with --no-session", []*config.Profile{base()}, Options{NoSession: true}},
		{"user with MFA and --no-session", []*config.Profile{baseMFA()}, Options{NoSession: true}},
		{"credential_process", []*config.Profile{{Name: "p", CredentialProcess: "true"}}, Options{}},
		{"static session credentials", []*config.Profile{{Name: "s", AccessKeyID: "ASIA", SecretAccessKey: "x", SessionToken: "t"}}, Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			profile, key, err := plan.TargetKey(tc.chain, tc.opts, nil)
			if !errors.Is(err, plan.ErrNoSession) || profile != "" || key != "" {
				t.Fatalf("TargetKey = %q, %q, %v; want ErrNoSession", profile, key, err)
			}
		})
	}
	if _, _, err := plan.TargetKey([]*config.Profile{{Name: "dev", RoleARN: acct + "role/dev"}}, Options{}, nil); err == nil || errors.Is(err, plan.ErrNoSession) {
		t.Fatalf("a role without a source: %v, want the plan's error", err)
	}
}

// TestInterruptedRotationIsMentioned: when the stored key is read (the cold
// path) and a rotation of its profile was interrupted, credo says how to
// finish it.
func TestInterruptedRotationIsMentioned(t *testing.T) {
	e := newEnv(t)
	st, err := keystore.Open(keystore.Config{
		Backend:        keystore.BackendFile,
		FileDir:        filepath.Join(t.TempDir(), "keyring"),
		FilePassphrase: keystore.FixedPassphrase("pw"), FileKDF: filefast.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1},
		Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetKey("base", keystore.LongTermKey{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}); err != nil {
		t.Fatal(err)
	}
	e.r.Store = st
	var notice bytes.Buffer
	e.r.Notice = &notice
	e.mustRetrieve(Options{}, role("dev"), base())
	if notice.Len() != 0 {
		t.Fatalf("a notice without a rotation: %q", notice.String())
	}
	rs := st.(keystore.RotationStore)
	if err := rs.SetRotation("base", keystore.Rotation{OldKeyID: aliceKey, UserName: "alice", Started: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	e.mustRetrieve(Options{}, role("other"), base())
	if !strings.Contains(notice.String(), `a key rotation of profile "base" was interrupted; run "credo rotate base"`) {
		t.Fatalf("notice = %q", notice.String())
	}
}
