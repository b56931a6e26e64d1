package rotate

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
)

// killed is what a hook panics with to stand for a process killed at that
// instant: nothing after it runs (the rotation has no deferred clean-up
// besides releasing its lock).
type killed struct{ at string }

// fakeKey is one access key of the fake IAM user.
type fakeKey struct {
	secret  string
	created time.Time
	// refusals is how many more times STS refuses the key before it works
	// (IAM's eventual consistency).
	refusals int
}

// world is a fake account with one IAM user, alice, served by fake IAM and
// STS clients that check every signature against the user's keys.
type world struct {
	mu      sync.Mutex
	t       *testing.T
	now     func() time.Time
	keys    map[string]*fakeKey
	session map[string]string // MFA session key id -> secret
	seq     int
	// hook, when set, is called at every named step and may panic with
	// killed or return an error for the call to fail with.
	hook func(step string) error
	// newKeyRefusals is given to every created key as its refusals.
	newKeyRefusals int
	// requireMFA makes IAM accept only MFA session credentials.
	requireMFA bool
	calls      []string
	mfaInputs  []sts.GetSessionTokenInput
}

const user = "alice"

func newWorld(t *testing.T, now func() time.Time) *world {
	return &world{t: t, now: now, keys: map[string]*fakeKey{}, session: map[string]string{}}
}

// addKey creates a key the way an administrator would.
func (w *world) addKey(created time.Time) keystore.LongTermKey {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.createLocked(created)
}

func (w *world) createLocked(created time.Time) keystore.LongTermKey {
	w.seq++
	id := fmt.Sprintf("AKIAFAKEEXAMPLE%05d", w.seq)
	secret := fmt.Sprintf("secret-%d-wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLE", w.seq)[:40]
	w.keys[id] = &fakeKey{secret: secret, created: created, refusals: w.newKeyRefusals}
	return keystore.LongTermKey{AccessKeyID: id, SecretAccessKey: secret}
}

func (w *world) keyIDs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for id := range w.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// works reports whether k is a current key of alice with the right secret.
func (w *world) works(k keystore.LongTermKey) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	fk, ok := w.keys[k.AccessKeyID]
	return ok && fk.secret == k.SecretAccessKey
}

func (w *world) step(name string) error {
	w.calls = append(w.calls, name)
	if w.hook == nil {
		return nil
	}
	// The hook may panic: release the lock first.
	w.mu.Unlock()
	defer w.mu.Lock()
	return w.hook(name)
}

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: code + " (fake)"}
}

// authIAM checks the signer of an IAM call.
func (w *world) authIAM(c aws.Credentials) error {
	if c.SessionToken != "" {
		if w.session[c.AccessKeyID] == c.SecretAccessKey {
			return nil
		}
		return apiErr("InvalidClientTokenId")
	}
	fk, ok := w.keys[c.AccessKeyID]
	if !ok {
		return apiErr("InvalidClientTokenId")
	}
	if fk.secret != c.SecretAccessKey {
		return apiErr("SignatureDoesNotMatch")
	}
	if w.requireMFA {
		return apiErr("AccessDenied")
	}
	return nil
}

type fakeIAM struct {
	w *world
	c aws.Credentials
}

func (w *world) newIAM(c aws.Credentials) IAMAPI { return &fakeIAM{w: w, c: c} }

func (f *fakeIAM) ListAccessKeys(_ context.Context, in *iam.ListAccessKeysInput, _ ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	w := f.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.step("iam:ListAccessKeys"); err != nil {
		return nil, err
	}
	if err := w.authIAM(f.c); err != nil {
		return nil, err
	}
	if aws.ToString(in.UserName) != user {
		return nil, apiErr("NoSuchEntity")
	}
	out := &iam.ListAccessKeysOutput{}
	var ids []string
	for id := range w.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamtypes.AccessKeyMetadata{
			AccessKeyId: aws.String(id), CreateDate: aws.Time(w.keys[id].created), UserName: aws.String(user), Status: iamtypes.StatusTypeActive})
	}
	return out, nil
}

func (f *fakeIAM) CreateAccessKey(_ context.Context, in *iam.CreateAccessKeyInput, _ ...func(*iam.Options)) (*iam.CreateAccessKeyOutput, error) {
	w := f.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.step("iam:CreateAccessKey:before"); err != nil {
		return nil, err
	}
	if err := w.authIAM(f.c); err != nil {
		return nil, err
	}
	if aws.ToString(in.UserName) != user {
		return nil, apiErr("NoSuchEntity")
	}
	if len(w.keys) >= 2 {
		return nil, apiErr("LimitExceeded")
	}
	k := w.createLocked(w.now())
	// A kill here: IAM created the key, the answer never arrived.
	if err := w.step("iam:CreateAccessKey:after"); err != nil {
		return nil, err
	}
	return &iam.CreateAccessKeyOutput{AccessKey: &iamtypes.AccessKey{
		AccessKeyId: aws.String(k.AccessKeyID), SecretAccessKey: aws.String(k.SecretAccessKey),
		UserName: aws.String(user), Status: iamtypes.StatusTypeActive, CreateDate: aws.Time(w.now())}}, nil
}

func (f *fakeIAM) DeleteAccessKey(_ context.Context, in *iam.DeleteAccessKeyInput, _ ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	w := f.w
	w.mu.Lock()
	defer w.mu.Unlock()
	id := aws.ToString(in.AccessKeyId)
	if err := w.step("iam:DeleteAccessKey:before:" + id); err != nil {
		return nil, err
	}
	if err := w.authIAM(f.c); err != nil {
		return nil, err
	}
	if _, ok := w.keys[id]; !ok || aws.ToString(in.UserName) != user {
		return nil, apiErr("NoSuchEntity")
	}
	delete(w.keys, id)
	if err := w.step("iam:DeleteAccessKey:after:" + id); err != nil {
		return nil, err
	}
	return &iam.DeleteAccessKeyOutput{}, nil
}

type fakeSTS struct {
	w *world
	c aws.Credentials
}

func (w *world) newSTS(c aws.Credentials) STSAPI { return &fakeSTS{w: w, c: c} }

func (f *fakeSTS) GetCallerIdentity(_ context.Context, _ *sts.GetCallerIdentityInput, _ ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	w := f.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.step("sts:GetCallerIdentity:" + f.c.AccessKeyID); err != nil {
		return nil, err
	}
	fk, ok := w.keys[f.c.AccessKeyID]
	switch {
	case !ok:
		return nil, apiErr("InvalidClientTokenId")
	case fk.secret != f.c.SecretAccessKey:
		return nil, apiErr("SignatureDoesNotMatch")
	case fk.refusals > 0:
		fk.refusals--
		return nil, apiErr("InvalidClientTokenId")
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String("123456789012"),
		Arn: aws.String("arn:aws:iam::123456789012:user/team/" + user), UserId: aws.String("AIDAFAKE")}, nil
}

func (f *fakeSTS) GetSessionToken(_ context.Context, in *sts.GetSessionTokenInput, _ ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	w := f.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.step("sts:GetSessionToken"); err != nil {
		return nil, err
	}
	fk, ok := w.keys[f.c.AccessKeyID]
	if !ok || fk.secret != f.c.SecretAccessKey {
		return nil, apiErr("InvalidClientTokenId")
	}
	w.mfaInputs = append(w.mfaInputs, *in)
	w.seq++
	id := fmt.Sprintf("ASIAFAKE%012d", w.seq)
	w.session[id] = "session-secret-" + id
	return &sts.GetSessionTokenOutput{Credentials: &ststypes.Credentials{
		AccessKeyId: aws.String(id), SecretAccessKey: aws.String("session-secret-" + id),
		SessionToken: aws.String("token"), Expiration: aws.Time(w.now().Add(15 * time.Minute))}}, nil
}

// hookStore is a real keystore whose writes pass through the world's hook,
// so that a test can kill or fail the rotation at a store step too.
type hookStore struct {
	keystore.RotationStore
	w *world
}

func (h *hookStore) hook(step string) error {
	h.w.mu.Lock()
	defer h.w.mu.Unlock()
	return h.w.step(step)
}

func (h *hookStore) SetKey(profile string, k keystore.LongTermKey) error {
	if err := h.hook("store:SetKey:before"); err != nil {
		return err
	}
	if err := h.RotationStore.SetKey(profile, k); err != nil {
		return err
	}
	return h.hook("store:SetKey:after")
}

func (h *hookStore) SetRotation(profile string, r keystore.Rotation) error {
	what := "intent"
	if r.HasNewKey() {
		what = "newkey"
	}
	if err := h.hook("store:SetRotation:" + what + ":before"); err != nil {
		return err
	}
	if err := h.RotationStore.SetRotation(profile, r); err != nil {
		return err
	}
	return h.hook("store:SetRotation:" + what + ":after")
}

func (h *hookStore) RemoveRotation(profile string) error {
	if err := h.hook("store:RemoveRotation:before"); err != nil {
		return err
	}
	if err := h.RotationStore.RemoveRotation(profile); err != nil {
		return err
	}
	return h.hook("store:RemoveRotation:after")
}

func (h *hookStore) RemoveSession(ref keystore.SessionRef) error {
	if err := h.hook("store:RemoveSession"); err != nil {
		return err
	}
	return h.RotationStore.RemoveSession(ref)
}

// openStore opens a real file keystore in a temporary folder.
func openStore(t *testing.T) keystore.RotationStore {
	t.Helper()
	s, err := keystore.Open(keystore.Config{Backend: keystore.BackendFile, FileDir: filepath.Join(t.TempDir(), "keyring"),
		FilePassphrase: keystore.FixedPassphrase("test passphrase"), FileKDF: filefast.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	rs, ok := s.(keystore.RotationStore)
	if !ok {
		t.Fatalf("%T is not a keystore.RotationStore", s)
	}
	return rs
}
