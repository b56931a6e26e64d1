package rotate

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
)

const profile = "dev"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake time that the rotation's Sleep advances.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return nil
}

// env is one test's account, store and rotator.
type env struct {
	t     *testing.T
	clk   *clock
	w     *world
	store keystore.RotationStore
	hs    *hookStore
	old   keystore.LongTermKey
	out   bytes.Buffer
}

// setup gives alice one key, stores it for profile, and caches a session
// for profile and one for another profile.
func setup(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clk: &clock{now: t0}}
	e.w = newWorld(t, e.clk.Now)
	e.store = openStore(t)
	e.hs = &hookStore{RotationStore: e.store, w: e.w}
	e.old = e.w.addKey(t0.Add(-90 * 24 * time.Hour))
	if err := e.store.SetKey(profile, e.old); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{profile, "other"} {
		s := keystore.Session{AccessKeyID: "ASIA" + p, SecretAccessKey: "s", SessionToken: "t", Expiration: time.Now().Add(time.Hour)}
		if err := e.store.SetSession(p, "ck", s); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) rotator() *Rotator {
	return &Rotator{
		Store:    e.hs,
		NewIAM:   e.w.newIAM,
		NewSTS:   e.w.newSTS,
		Now:      e.clk.Now,
		Sleep:    e.clk.Sleep,
		Progress: &e.out,
	}
}

// rotate runs one rotation; a hook's kill ends it as a killed process would.
func (e *env) rotate(r *Rotator) (res Result, err error, killedAt string) {
	e.t.Helper()
	defer func() {
		if v := recover(); v != nil {
			k, ok := v.(killed)
			if !ok {
				panic(v)
			}
			killedAt = k.at
		}
	}()
	res, err = r.Rotate(context.Background(), profile)
	return res, err, ""
}

// storedWorks checks the invariant that holds at every instant: the stored
// key is one of alice's keys, with its secret.
func (e *env) storedWorks() keystore.LongTermKey {
	e.t.Helper()
	k, err := e.store.GetKey(profile)
	if err != nil {
		e.t.Fatalf("stored key: %v", err)
	}
	if !e.w.works(k) {
		e.t.Fatalf("stored key %s does not work; IAM has %v", k.AccessKeyID, e.w.keyIDs())
	}
	return k
}

// settled checks the state after a successful rotation: exactly one key in
// IAM, the stored one, not the original; no journal; the profile's sessions
// dropped and the other profile's kept.
func (e *env) settled() keystore.LongTermKey {
	e.t.Helper()
	k := e.storedWorks()
	if ids := e.w.keyIDs(); len(ids) != 1 || ids[0] != k.AccessKeyID {
		e.t.Fatalf("IAM keys = %v, want only the stored %s", ids, k.AccessKeyID)
	}
	if k.AccessKeyID == e.old.AccessKeyID {
		e.t.Fatalf("the original key %s is still stored", k.AccessKeyID)
	}
	if _, err := e.store.GetRotation(profile); !errors.Is(err, keystore.ErrNotFound) {
		e.t.Fatalf("journal after the rotation: %v", err)
	}
	if refs, _ := e.store.Sessions(profile); len(refs) != 0 {
		e.t.Fatalf("sessions of %s left: %+v", profile, refs)
	}
	if refs, _ := e.store.Sessions("other"); len(refs) != 1 {
		e.t.Fatalf("sessions of other = %+v, want the one", refs)
	}
	return k
}

func TestRotateFresh(t *testing.T) {
	e := setup(t)
	res, err := e.rotator().Rotate(context.Background(), profile)
	if err != nil {
		t.Fatal(err)
	}
	k := e.settled()
	want := Result{Profile: profile, UserName: user, OldKeyID: e.old.AccessKeyID, NewKeyID: k.AccessKeyID, SessionsDropped: 1}
	if !equalResult(res, want) {
		t.Errorf("result = %+v, want %+v", res, want)
	}
	if !k.Added.Equal(t0) {
		t.Errorf("new key Added = %v, want %v", k.Added, t0)
	}
	// The order is the design: intent before CreateAccessKey, the new key
	// recorded before anything else, proved before it is stored, the old
	// key deleted only after that, sessions dropped last.
	wantCalls := []string{
		"sts:GetCallerIdentity:" + e.old.AccessKeyID,
		"iam:ListAccessKeys",
		"store:SetRotation:intent:before", "store:SetRotation:intent:after",
		"iam:CreateAccessKey:before", "iam:CreateAccessKey:after",
		"store:SetRotation:newkey:before", "store:SetRotation:newkey:after",
		"sts:GetCallerIdentity:" + k.AccessKeyID,
		"store:SetKey:before", "store:SetKey:after",
		"iam:DeleteAccessKey:before:" + e.old.AccessKeyID, "iam:DeleteAccessKey:after:" + e.old.AccessKeyID,
		"store:RemoveSession",
		"store:RemoveRotation:before", "store:RemoveRotation:after",
	}
	if !slices.Equal(e.w.calls, wantCalls) {
		t.Errorf("calls:\n got %q\nwant %q", e.w.calls, wantCalls)
	}
	if strings.Contains(e.out.String(), k.SecretAccessKey) {
		t.Errorf("progress shows the secret: %s", e.out.String())
	}

	// A second rotation works again.
	e.old = k
	if _, err := e.rotator().Rotate(context.Background(), profile); err != nil {
		t.Fatal(err)
	}
	e.settled()
}

func equalResult(a, b Result) bool {
	return a.Profile == b.Profile && a.UserName == b.UserName && a.OldKeyID == b.OldKeyID && a.NewKeyID == b.NewKeyID &&
		a.Recovery == b.Recovery && slices.Equal(a.Leftovers, b.Leftovers) && a.SessionsDropped == b.SessionsDropped
}

// crashPoints are the instants at which a rotation is killed. A prefix
// matches a step name.
var crashPoints = []string{
	"store:SetRotation:intent:before",
	"store:SetRotation:intent:after",             // intent recorded, before CreateAccessKey
	"iam:CreateAccessKey:before",                 // in the call, before IAM acted
	"iam:CreateAccessKey:after",                  // IAM created the key; the answer is lost
	"store:SetRotation:newkey:before",            // the secret is only in memory
	"store:SetRotation:newkey:after",             // recorded, not proved
	"sts:GetCallerIdentity:AKIAFAKEEXAMPLE00002", // proving the new key
	"store:SetKey:before",
	"store:SetKey:after",                              // stored, the old key not deleted
	"iam:DeleteAccessKey:before:AKIAFAKEEXAMPLE00001", // deleting the old key
	"iam:DeleteAccessKey:after:AKIAFAKEEXAMPLE00001",  // deleted, the journal not cleared
	"store:RemoveSession",                             // the old key deleted, its sessions not dropped
	"store:RemoveRotation:before",
	"store:RemoveRotation:after", // all done; the process did not exit yet
}

// TestRotateKilledAtEachStep kills a rotation at every step, checks that the
// stored key still works at that instant, then checks that the next rotate
// leaves exactly one key, stored and working, with every leftover deleted.
func TestRotateKilledAtEachStep(t *testing.T) {
	for _, point := range crashPoints {
		t.Run(point, func(t *testing.T) {
			e := setup(t)
			e.w.hook = func(step string) error {
				if strings.HasPrefix(step, point) {
					e.w.hook = nil
					panic(killed{at: step})
				}
				return nil
			}
			_, err, at := e.rotate(e.rotator())
			if at == "" {
				t.Fatalf("the rotation was not killed at %s (err %v); steps: %q", point, err, e.w.calls)
			}
			e.storedWorks()
			// Time passes before the user tries again.
			e.clk.now = e.clk.now.Add(time.Hour)
			e.w.calls = nil
			res, err, _ := e.rotate(e.rotator())
			if err != nil {
				t.Fatalf("the next rotate: %v", err)
			}
			e.settled()
			t.Logf("recovery %q, leftovers %v, calls %q", res.Recovery, res.Leftovers, e.w.calls)
		})
	}
}

// TestRotateFailsAtEachStep makes each call fail (an error, not a kill):
// the rotation reports it, the stored key works, and the next rotate ends
// with one working stored key.
func TestRotateFailsAtEachStep(t *testing.T) {
	for _, point := range crashPoints {
		t.Run(point, func(t *testing.T) {
			e := setup(t)
			e.w.hook = func(step string) error {
				if strings.HasPrefix(step, point) {
					e.w.hook = nil
					return apiErr("ServiceUnavailable")
				}
				return nil
			}
			_, err, _ := e.rotate(e.rotator())
			// A cached session that cannot be removed is not worth
			// failing a finished rotation for.
			if err == nil && point != "store:RemoveSession" {
				t.Fatalf("no error for a failure at %s", point)
			}
			e.storedWorks()
			e.clk.now = e.clk.now.Add(time.Hour)
			if _, err, _ := e.rotate(e.rotator()); err != nil {
				t.Fatalf("the next rotate: %v", err)
			}
			k := e.storedWorks()
			if ids := e.w.keyIDs(); len(ids) != 1 || ids[0] != k.AccessKeyID {
				t.Fatalf("IAM keys = %v, want only the stored %s", ids, k.AccessKeyID)
			}
			if _, err := e.store.GetRotation(profile); !errors.Is(err, keystore.ErrNotFound) {
				t.Fatalf("journal: %v", err)
			}
		})
	}
}

func TestRotateRecoveryKinds(t *testing.T) {
	cases := []struct {
		point     string
		recovery  Recovery
		leftovers int
	}{
		{"store:SetRotation:intent:after", RecoveryUndone, 0},
		{"iam:CreateAccessKey:after", RecoveryUndone, 1},
		{"store:SetRotation:newkey:before", RecoveryUndone, 1},
		{"store:SetRotation:newkey:after", RecoveryFinished, 0},
		{"store:SetKey:after", RecoveryFinished, 0},
		{"iam:DeleteAccessKey:after:", RecoveryFinished, 0},
	}
	for _, c := range cases {
		t.Run(c.point, func(t *testing.T) {
			e := setup(t)
			e.w.hook = func(step string) error {
				if strings.HasPrefix(step, c.point) {
					e.w.hook = nil
					panic(killed{at: step})
				}
				return nil
			}
			if _, _, at := e.rotate(e.rotator()); at == "" {
				t.Fatal("not killed")
			}
			res, err := e.rotator().Rotate(context.Background(), profile)
			if err != nil {
				t.Fatal(err)
			}
			if res.Recovery != c.recovery || len(res.Leftovers) != c.leftovers {
				t.Errorf("recovery %q leftovers %v, want %q and %d", res.Recovery, res.Leftovers, c.recovery, c.leftovers)
			}
			e.settled()
		})
	}
}

func TestRotateTwoKeysStopsWithHint(t *testing.T) {
	e := setup(t)
	other := e.w.addKey(t0.Add(-time.Hour))
	_, err := e.rotator().Rotate(context.Background(), profile)
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "already has two access keys") || !strings.Contains(err.Error(), other.AccessKeyID) {
		t.Errorf("error = %v", err)
	}
	h := hint.Of(err)
	if !strings.Contains(h, "aws iam delete-access-key --user-name alice --access-key-id "+other.AccessKeyID) || !strings.Contains(h, "IAM console") {
		t.Errorf("hint = %q", h)
	}
	if slices.Contains(e.w.calls, "iam:CreateAccessKey:before") {
		t.Error("CreateAccessKey was called")
	}
	if _, err := e.store.GetRotation(profile); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("journal: %v", err)
	}
	if k := e.storedWorks(); k.AccessKeyID != e.old.AccessKeyID {
		t.Errorf("stored key changed to %s", k.AccessKeyID)
	}
}

// A key the user made by hand after a rotation died before CreateAccessKey
// is not a leftover: it is kept, and the rotation stops with the hint.
func TestRotateKeepsKeysOutsideTheLeftoverWindow(t *testing.T) {
	e := setup(t)
	e.w.hook = func(step string) error {
		if step == "iam:CreateAccessKey:before" {
			e.w.hook = nil
			panic(killed{at: step})
		}
		return nil
	}
	if _, _, at := e.rotate(e.rotator()); at == "" {
		t.Fatal("not killed")
	}
	e.clk.now = e.clk.now.Add(24 * time.Hour)
	mine := e.w.addKey(e.clk.now)
	_, err := e.rotator().Rotate(context.Background(), profile)
	if err == nil || !strings.Contains(err.Error(), "already has two access keys") {
		t.Fatalf("err = %v", err)
	}
	if !e.w.works(mine) {
		t.Fatal("the user's own key was deleted")
	}
	if _, err := e.store.GetRotation(profile); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("journal: %v", err)
	}
}

func TestRotateWaitsForTheNewKey(t *testing.T) {
	e := setup(t)
	e.w.newKeyRefusals = 3
	if _, err := e.rotator().Rotate(context.Background(), profile); err != nil {
		t.Fatal(err)
	}
	e.settled()
	if waited := e.clk.now.Sub(t0); waited <= 0 || waited > DefaultProveTimeout {
		t.Errorf("waited %v", waited)
	}
}

func TestRotateNewKeyNeverWorks(t *testing.T) {
	e := setup(t)
	e.w.newKeyRefusals = 1 << 30
	_, err := e.rotator().Rotate(context.Background(), profile)
	if err == nil || !strings.Contains(err.Error(), "did not work within") || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("err = %v", err)
	}
	k := e.storedWorks()
	if k.AccessKeyID != e.old.AccessKeyID {
		t.Fatalf("stored key changed to %s", k.AccessKeyID)
	}
	if ids := e.w.keyIDs(); len(ids) != 1 || ids[0] != e.old.AccessKeyID {
		t.Fatalf("IAM keys = %v, want only the old one", ids)
	}
	if _, err := e.store.GetRotation(profile); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("journal: %v", err)
	}
	if refs, _ := e.store.Sessions(profile); len(refs) != 1 {
		t.Errorf("sessions were dropped though the key did not change: %+v", refs)
	}
}

// A network failure while proving the new key keeps the journal; the next
// rotate finishes with the recorded key instead of making a third.
func TestRotateProveUnreachableResumes(t *testing.T) {
	e := setup(t)
	e.w.hook = func(step string) error {
		if step == "sts:GetCallerIdentity:AKIAFAKEEXAMPLE00002" {
			return errors.New("dial tcp 127.0.0.1:9: connection refused")
		}
		return nil
	}
	_, err := e.rotator().Rotate(context.Background(), profile)
	if err == nil || !strings.Contains(err.Error(), "will finish") {
		t.Fatalf("err = %v", err)
	}
	j, err := e.store.GetRotation(profile)
	if err != nil || j.NewKey.AccessKeyID != "AKIAFAKEEXAMPLE00002" {
		t.Fatalf("journal = %+v, %v", j, err)
	}
	e.w.hook = nil
	res, err := e.rotator().Rotate(context.Background(), profile)
	if err != nil {
		t.Fatal(err)
	}
	if res.Recovery != RecoveryFinished || res.NewKeyID != "AKIAFAKEEXAMPLE00002" {
		t.Errorf("result = %+v", res)
	}
	e.settled()
}

// After a kill with the new key recorded, the user stored another key by
// hand: the recorded key, never stored, is deleted and the stored one
// rotated.
func TestRotateJournalOfAReplacedKey(t *testing.T) {
	e := setup(t)
	e.w.hook = func(step string) error {
		if step == "store:SetRotation:newkey:after" {
			e.w.hook = nil
			panic(killed{at: step})
		}
		return nil
	}
	if _, _, at := e.rotate(e.rotator()); at == "" {
		t.Fatal("not killed")
	}
	j, _ := e.store.GetRotation(profile)
	// The user deletes the old key in the console and stores a fresh one.
	e.w.mu.Lock()
	delete(e.w.keys, e.old.AccessKeyID)
	e.w.mu.Unlock()
	byHand := e.w.addKey(e.clk.now)
	if err := e.store.SetKey(profile, byHand); err != nil {
		t.Fatal(err)
	}
	res, err := e.rotator().Rotate(context.Background(), profile)
	if err != nil {
		t.Fatal(err)
	}
	if res.Recovery != RecoveryUndone || !slices.Contains(res.Leftovers, j.NewKey.AccessKeyID) || res.OldKeyID != byHand.AccessKeyID {
		t.Errorf("result = %+v", res)
	}
	e.settled()
}

func TestRotateNoStoredKey(t *testing.T) {
	e := setup(t)
	_, err := e.rotator().Rotate(context.Background(), "nokey")
	if !errors.Is(err, keystore.ErrNotFound) || !strings.Contains(hint.Of(err), `credo add nokey`) {
		t.Fatalf("err = %v, hint %q", err, hint.Of(err))
	}
}

func TestRotateStoredKeyRevoked(t *testing.T) {
	e := setup(t)
	e.w.mu.Lock()
	delete(e.w.keys, e.old.AccessKeyID)
	e.w.mu.Unlock()
	_, err := e.rotator().Rotate(context.Background(), profile)
	if err == nil || !strings.Contains(err.Error(), "does not work") || !strings.Contains(hint.Of(err), "credo add dev --force") {
		t.Fatalf("err = %v, hint %q", err, hint.Of(err))
	}
	if _, err := e.store.GetRotation(profile); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("journal: %v", err)
	}
}

// With mfa_serial, the IAM calls use one MFA session made from the stored
// key; the code is asked once.
func TestRotateWithMFA(t *testing.T) {
	e := setup(t)
	e.w.requireMFA = true
	asked := 0
	r := e.rotator()
	r.MFASerial = "arn:aws:iam::123456789012:mfa/alice"
	r.MFACode = func(_ context.Context, serial string) (string, error) {
		asked++
		if serial != r.MFASerial {
			t.Errorf("serial = %q", serial)
		}
		return "123456", nil
	}
	if _, err := r.Rotate(context.Background(), profile); err != nil {
		t.Fatal(err)
	}
	e.settled()
	if asked != 1 || len(e.w.mfaInputs) != 1 {
		t.Fatalf("asked %d times, %d GetSessionToken calls", asked, len(e.w.mfaInputs))
	}
	in := e.w.mfaInputs[0]
	if aws.ToString(in.SerialNumber) != r.MFASerial || aws.ToString(in.TokenCode) != "123456" || aws.ToInt32(in.DurationSeconds) != 900 {
		t.Errorf("GetSessionToken input = %+v", in)
	}

	// Without mfa_serial, such a policy refuses the IAM calls: the hint says
	// what to set.
	e2 := setup(t)
	e2.w.requireMFA = true
	_, err := e2.rotator().Rotate(context.Background(), profile)
	if err == nil || !strings.Contains(hint.Of(err), "mfa_serial") {
		t.Fatalf("err = %v, hint %q", err, hint.Of(err))
	}
}

func TestRotateLocks(t *testing.T) {
	e := setup(t)
	r := e.rotator()
	var keys []string
	released := 0
	r.Lock = func(_ context.Context, key string) (func(), error) {
		keys = append(keys, key)
		return func() { released++ }, nil
	}
	if _, err := r.Rotate(context.Background(), profile); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !strings.Contains(keys[0], profile) || released != 1 {
		t.Errorf("lock keys %q, released %d", keys, released)
	}
}

func TestUserFromARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/alice":       "alice",
		"arn:aws:iam::123456789012:user/team/a/bob":  "bob",
		"arn:aws-cn:iam::123456789012:user/carol":    "carol",
		"arn:aws:iam::123456789012:root":             "",
		"arn:aws:sts::123456789012:assumed-role/r/s": "!",
		"arn:aws:iam::123456789012:role/r":           "!",
		"not an arn":                                 "!",
	} {
		got, ok := userFromARN(arn)
		if !ok {
			got = "!"
		}
		if got != want {
			t.Errorf("userFromARN(%q) = %q, want %q", arn, got, want)
		}
	}
}

func TestRotateDropSessionsHook(t *testing.T) {
	e := setup(t)
	r := e.rotator()
	var asked []string
	r.DropSessions = func(p string) (int, error) {
		asked = append(asked, p)
		return 3, nil
	}
	res, err := r.Rotate(context.Background(), profile)
	if err != nil {
		t.Fatal(err)
	}
	if res.SessionsDropped != 3 || !slices.Equal(asked, []string{profile}) {
		t.Errorf("dropped %d, hook asked for %q", res.SessionsDropped, asked)
	}
	// The hook replaces the default: the profile's session is still there.
	if refs, _ := e.store.Sessions(profile); len(refs) != 1 {
		t.Errorf("sessions = %+v", refs)
	}
}

// TestRotateLostCreateAnswerKeepsTheJournal: when CreateAccessKey gets no
// answer (the key may exist, and IAM may not list it yet), the journal
// stays so that the next rotate finds and deletes such a key.
func TestRotateLostCreateAnswerKeepsTheJournal(t *testing.T) {
	e := setup(t)
	e.w.hook = func(step string) error {
		if step == "iam:CreateAccessKey:after" {
			e.w.hook = nil
			return &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
		}
		return nil
	}
	if _, err, _ := e.rotate(e.rotator()); err == nil || !strings.Contains(err.Error(), "will delete any key this attempt created") {
		t.Fatalf("err = %v", err)
	}
	if _, err := e.store.GetRotation(profile); err != nil {
		t.Fatalf("the journal is gone after a lost answer: %v", err)
	}
	e.storedWorks()
	e.clk.now = e.clk.now.Add(time.Hour)
	if _, err, _ := e.rotate(e.rotator()); err != nil {
		t.Fatalf("the next rotate: %v", err)
	}
	k := e.storedWorks()
	if ids := e.w.keyIDs(); len(ids) != 1 || ids[0] != k.AccessKeyID {
		t.Fatalf("IAM keys = %v, want only the stored %s", ids, k.AccessKeyID)
	}
}
