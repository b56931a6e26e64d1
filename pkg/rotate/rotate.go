// Package rotate replaces a profile's stored IAM access key with a new one
// (`credo rotate`) so that no interruption can lose both keys.
//
// A rotation keeps a journal in the store (keystore.Rotation, the item
// v1/rotate/<profile>) and writes it before each step that changes anything
// in IAM:
//
//  1. intent: the old key id, the user's keys and the time, before
//     CreateAccessKey;
//  2. the new key id and secret, as soon as CreateAccessKey returns and
//     before anything else;
//  3. the new key is proved to work (STS GetCallerIdentity signed with it,
//     retried while IAM propagates it), then stored in place of the old one
//     (one atomic item write);
//  4. the old key is deleted (DeleteAccessKey), then the profile's cached
//     sessions, which the old key made, and last the journal.
//
// The next rotate of the profile reads a journal left behind and finishes or
// undoes that rotation first: a key that was created but never recorded (a
// kill during CreateAccessKey) is found by its creation time and deleted; a
// recorded key that is not stored yet is proved and stored, or deleted when
// it does not work; an old key that is no longer stored is deleted. The
// stored key is only ever replaced by one that has just worked, and the new
// key's secret is in the keyring from the moment it exists, so there is no
// instant at which both keys are lost.
//
// pkg/rotate is part of credo's implementation, not a public API.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"github.com/credo-cli/credo/pkg/awscall"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/keystore/item"
)

// IAMAPI is the part of the IAM client a rotation uses. Its methods are the
// SDK's, so *iam.Client satisfies it and tests can put a fake in its place.
type IAMAPI interface {
	ListAccessKeys(ctx context.Context, params *iam.ListAccessKeysInput, optFns ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	CreateAccessKey(ctx context.Context, params *iam.CreateAccessKeyInput, optFns ...func(*iam.Options)) (*iam.CreateAccessKeyOutput, error)
	DeleteAccessKey(ctx context.Context, params *iam.DeleteAccessKeyInput, optFns ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error)
}

// STSAPI is the part of the STS client a rotation uses.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, params *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	GetSessionToken(ctx context.Context, params *sts.GetSessionTokenInput, optFns ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
}

// Store is the part of the keystore a rotation uses; every store
// keystore.Open returns has it (keystore.RotationStore).
type Store interface {
	GetKey(profile string) (keystore.LongTermKey, error)
	SetKey(profile string, k keystore.LongTermKey) error
	Sessions(profile string) ([]keystore.SessionRef, error)
	RemoveSession(ref keystore.SessionRef) error
	GetRotation(profile string) (keystore.Rotation, error)
	SetRotation(profile string, r keystore.Rotation) error
	RemoveRotation(profile string) error
}

// Defaults of a Rotator.
const (
	// DefaultProveTimeout is how long a new key may take to start working
	// (IAM is eventually consistent; new keys usually work within seconds).
	DefaultProveTimeout = 30 * time.Second
	// DefaultMFADuration is the length of the MFA session the IAM calls use
	// when the profile has mfa_serial (STS's minimum).
	DefaultMFADuration = 15 * time.Minute
	// LeftoverBefore and LeftoverAfter bound, around the time the intent was
	// recorded, the creation time of a key that an interrupted rotation
	// created and never recorded. The margin before allows for clock skew;
	// the one after for a slow CreateAccessKey. A key outside the window is
	// treated as the user's own and never deleted.
	LeftoverBefore = 5 * time.Minute
	LeftoverAfter  = 15 * time.Minute
)

// Rotator rotates the stored access key of a profile.
type Rotator struct {
	// Store holds the keys, sessions and journals.
	Store Store
	// NewIAM returns an IAM client that signs with c.
	NewIAM func(c aws.Credentials) IAMAPI
	// NewSTS returns an STS client that signs with c.
	NewSTS func(c aws.Credentials) STSAPI

	// MFASerial, when set (the profile's mfa_serial), makes the IAM calls
	// use a GetSessionToken session made with an MFA code, for accounts
	// whose policies require MFA for key management. MFACode supplies the
	// code; it is asked for at most once per Rotate.
	MFASerial string
	MFACode   func(ctx context.Context, serial string) (string, error)

	// DropSessions, when set, replaces the default clean-up of cached
	// sessions after a rotation (the profile's own): the command layer
	// drops those of every role built on the profile too. It returns how
	// many went.
	DropSessions func(profile string) (int, error)
	// Lock, when set, takes a cross-process lock for the key it is given
	// and returns its release; two rotations of one profile never overlap.
	Lock func(ctx context.Context, key string) (func(), error)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits between attempts to use a new key (default: a timer that
	// honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// ProveTimeout bounds the wait for a new key to work (default
	// DefaultProveTimeout).
	ProveTimeout time.Duration
	// Progress receives one line per step, for people; nil writes nothing.
	// No secret is ever written to it.
	Progress io.Writer
	// Log receives debug lines; nil logs nothing.
	Log *slog.Logger
}

// Recovery says what Rotate did about a rotation that an earlier run left
// unfinished.
type Recovery string

// What Rotate can do about an interrupted rotation.
const (
	// RecoveryNone: there was none.
	RecoveryNone Recovery = ""
	// RecoveryFinished: the interrupted rotation was completed, and counts
	// as this one (no further key was created).
	RecoveryFinished Recovery = "finished"
	// RecoveryUndone: what it had created was deleted, then a new rotation ran.
	RecoveryUndone Recovery = "undone"
)

// Result reports a rotation. It never holds a secret.
type Result struct {
	Profile  string
	UserName string
	// OldKeyID is the key that was replaced and deleted; NewKeyID the key
	// now stored.
	OldKeyID string
	NewKeyID string
	// Recovery says what happened to an interrupted earlier rotation.
	Recovery Recovery
	// Leftovers are keys that interrupted rotations created and never
	// stored, now deleted.
	Leftovers []string
	// SessionsDropped counts the cached sessions removed.
	SessionsDropped int
}

// run is the state of one Rotate call.
type run struct {
	r       *Rotator
	profile string
	res     *Result
	// caller signs the IAM calls: the key stored when the run began, or an
	// MFA session made from it. Set once, on first use.
	callerKey keystore.LongTermKey
	caller    *aws.Credentials
}

// Rotate rotates the stored key of profile: it first finishes or undoes a
// rotation an earlier run left unfinished, then (unless that one was
// finished) creates a new key, proves that it works, stores it and deletes
// the old one. It never asks for confirmation.
func (r *Rotator) Rotate(ctx context.Context, profile string) (Result, error) {
	res := Result{Profile: profile}
	if r.Lock != nil {
		unlock, err := r.Lock(ctx, "rotate\x00"+profile)
		if err != nil {
			return res, fmt.Errorf("profile %q: %w", profile, err)
		}
		defer unlock()
	}
	stored, err := r.Store.GetKey(profile)
	if err != nil {
		if errors.Is(err, keystore.ErrNotFound) {
			err = hint.Wrap(err, fmt.Sprintf("credo rotates keys it stores; run \"credo add %s\" first", item.ShellQuote(profile)))
		}
		return res, err
	}
	x := &run{r: r, profile: profile, res: &res, callerKey: stored}

	j, err := r.Store.GetRotation(profile)
	switch {
	case err == nil:
		done, err := x.recover(ctx, j, stored)
		if err != nil || done {
			return res, err
		}
		// Undone: the stored key is unchanged; rotate it now.
	case !errors.Is(err, keystore.ErrNotFound):
		return res, err
	}
	return res, x.rotate(ctx, stored)
}

// rotate runs a fresh rotation of the stored key old.
func (x *run) rotate(ctx context.Context, old keystore.LongTermKey) error {
	r := x.r
	user, err := x.identity(ctx, old, "the stored key")
	if err != nil {
		return err
	}
	x.res.UserName = user
	x.res.OldKeyID = old.AccessKeyID
	keys, err := x.listKeys(ctx, user)
	if err != nil {
		return err
	}
	var ids, others []string
	for _, k := range keys {
		id := aws.ToString(k.AccessKeyId)
		ids = append(ids, id)
		if id != old.AccessKeyID {
			others = append(others, id)
		}
	}
	if len(keys) >= 2 {
		return x.twoKeys(user, old.AccessKeyID, others)
	}

	// 1. Intent, before anything exists in IAM.
	j := keystore.Rotation{OldKeyID: old.AccessKeyID, KnownKeyIDs: ids, UserName: user, Started: r.now().UTC()}
	if err := r.Store.SetRotation(x.profile, j); err != nil {
		return fmt.Errorf("profile %q: nothing changed: %w", x.profile, err)
	}
	x.progress("Creating a new access key for %s...", userLabel(user))
	iamc, err := x.iam(ctx)
	if err != nil {
		return x.abandonIntent(ctx, j, err)
	}
	// Never retried: a retry after an answer lost on the way back would
	// create a second key.
	out, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: userParam(user)},
		func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	if err != nil {
		cause := x.iamError("creating a new access key", err)
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			// No answer: the key may exist, and IAM, eventually consistent,
			// may not list it yet. The journal stays; the next rotate finds
			// and deletes such a key.
			return fmt.Errorf("%w; \"credo rotate %s\" will delete any key this attempt created", cause, item.ShellQuote(x.profile))
		}
		// IAM answered with an error: no key was made.
		return x.abandonIntent(ctx, j, cause)
	}
	if out.AccessKey == nil || aws.ToString(out.AccessKey.AccessKeyId) == "" || aws.ToString(out.AccessKey.SecretAccessKey) == "" {
		return x.abandonIntent(ctx, j, fmt.Errorf("profile %q: IAM returned no new access key", x.profile))
	}

	// 2. Record the new key before anything else.
	j.NewKey = keystore.LongTermKey{
		AccessKeyID:     aws.ToString(out.AccessKey.AccessKeyId),
		SecretAccessKey: aws.ToString(out.AccessKey.SecretAccessKey),
		Added:           r.now().UTC(),
	}
	if err := r.Store.SetRotation(x.profile, j); err != nil {
		// Not recorded: nobody but this process knows its secret. Delete it.
		newID := j.NewKey.AccessKeyID
		j.NewKey = keystore.LongTermKey{}
		return x.abandonIntent(ctx, j, fmt.Errorf("profile %q: recording the new key %s: %w", x.profile, newID, err))
	}
	return x.finish(ctx, j)
}

// identity checks that key works and belongs to an IAM user (or an
// account's root user, "") and returns the user's name.
func (x *run) identity(ctx context.Context, key keystore.LongTermKey, what string) (string, error) {
	out, err := x.r.NewSTS(longTerm(key)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		err = fmt.Errorf("profile %q: %s %s does not work: %w", x.profile, what, key.AccessKeyID, err)
		if isAuthFailure(err) {
			err = hint.Wrap(err, fmt.Sprintf("store a working key with \"credo add %s --force\"", item.ShellQuote(x.profile)))
		}
		return "", err
	}
	user, ok := userFromARN(aws.ToString(out.Arn))
	if !ok {
		return "", fmt.Errorf("profile %q: key %s belongs to %s, not to an IAM user", x.profile, key.AccessKeyID, aws.ToString(out.Arn))
	}
	return user, nil
}

// twoKeys is the error for a user who already has two keys, neither of them
// a leftover of credo.
func (x *run) twoKeys(user, stored string, others []string) error {
	err := fmt.Errorf("profile %q: %s already has two access keys, the most IAM allows (stored: %s; other: %s)",
		x.profile, userLabel(user), stored, strings.Join(others, ", "))
	del := "aws iam delete-access-key"
	if user != "" {
		del += " --user-name " + item.ShellQuote(user)
	}
	other := "KEY_ID"
	if len(others) == 1 {
		other = others[0]
	}
	return hint.Wrap(err, fmt.Sprintf("delete the key credo does not use in the IAM console or with \"%s --access-key-id %s\", then run \"credo rotate %s\" again",
		del, other, item.ShellQuote(x.profile)))
}

// finish takes a recorded new key (j.NewKey) that is not stored yet: it
// proves the key, stores it and completes the rotation. A key that does not
// work is deleted and the rotation undone.
func (x *run) finish(ctx context.Context, j keystore.Rotation) error {
	r := x.r
	x.res.UserName = j.UserName
	x.res.OldKeyID = j.OldKeyID
	x.progress("Checking that the new key %s works...", j.NewKey.AccessKeyID)
	if err := x.prove(ctx, j); err != nil {
		if !isAuthFailure(err) {
			// Not known to be bad (a network failure, ctx): keep the
			// journal; the next rotate tries again.
			return fmt.Errorf("profile %q: checking the new key %s: %w; the stored key is unchanged, and \"credo rotate\" will finish", x.profile, j.NewKey.AccessKeyID, err)
		}
		failure := fmt.Errorf("profile %q: the new key %s did not work within %s: %w", x.profile, j.NewKey.AccessKeyID, r.proveTimeout(), err)
		if derr := x.deleteKey(ctx, j.UserName, j.NewKey.AccessKeyID); derr != nil {
			return fmt.Errorf("%w; deleting it failed too: %v; the stored key is unchanged, and \"credo rotate\" will retry", failure, derr)
		}
		x.res.Leftovers = append(x.res.Leftovers, j.NewKey.AccessKeyID)
		if err := r.Store.RemoveRotation(x.profile); err != nil && !errors.Is(err, keystore.ErrNotFound) {
			return fmt.Errorf("%w; it was deleted, but removing the journal failed: %v", failure, err)
		}
		return fmt.Errorf("%w; it was deleted and the stored key is unchanged", failure)
	}

	// 3. Store it: the one atomic switch from the old key to the new one.
	if err := r.Store.SetKey(x.profile, j.NewKey); err != nil {
		return fmt.Errorf("profile %q: storing the new key %s: %w; the old key is still stored and works, and \"credo rotate\" will finish", x.profile, j.NewKey.AccessKeyID, err)
	}
	x.progress("Stored the new key %s.", j.NewKey.AccessKeyID)
	return x.complete(ctx, j)
}

// complete ends a rotation whose new key is stored: it deletes the old key
// (when IAM still has it), the profile's cached sessions and the journal.
func (x *run) complete(ctx context.Context, j keystore.Rotation) error {
	r := x.r
	x.res.UserName = j.UserName
	x.res.OldKeyID = j.OldKeyID
	x.res.NewKeyID = j.NewKey.AccessKeyID
	// 4. Delete the old key.
	x.progress("Deleting the old key %s...", j.OldKeyID)
	if err := x.deleteKey(ctx, j.UserName, j.OldKeyID); err != nil {
		return fmt.Errorf("profile %q: the new key %s is stored and works, but deleting the old key %s failed: %w; run \"credo rotate %s\" to retry",
			x.profile, j.NewKey.AccessKeyID, j.OldKeyID, err, item.ShellQuote(x.profile))
	}
	// Sessions before the journal, so that a kill in between leaves the
	// journal to finish this.
	x.res.SessionsDropped = x.dropSessions()
	if err := r.Store.RemoveRotation(x.profile); err != nil && !errors.Is(err, keystore.ErrNotFound) {
		return fmt.Errorf("profile %q: the key is rotated, but removing the journal failed: %w", x.profile, err)
	}
	return nil
}

// recover finishes or undoes the rotation journal j left behind, given the
// key stored now. done is true when the rotation was finished (and counts as
// this run's).
func (x *run) recover(ctx context.Context, j keystore.Rotation, stored keystore.LongTermKey) (done bool, err error) {
	r := x.r
	x.log("found an unfinished rotation", "old", j.OldKeyID, "new", j.NewKey.AccessKeyID, "stored", stored.AccessKeyID)
	switch {
	case j.HasNewKey() && stored.AccessKeyID == j.NewKey.AccessKeyID:
		// Killed after storing the new key: delete the old one.
		x.progress("Finishing the interrupted rotation of profile %q (new key %s is stored)...", x.profile, j.NewKey.AccessKeyID)
		x.res.Recovery = RecoveryFinished
		return true, x.complete(ctx, j)

	case j.HasNewKey() && stored.AccessKeyID == j.OldKeyID:
		// Killed between CreateAccessKey and storing: prove, store, delete.
		x.progress("Finishing the interrupted rotation of profile %q (new key %s is not stored yet)...", x.profile, j.NewKey.AccessKeyID)
		x.res.Recovery = RecoveryFinished
		return true, x.finish(ctx, j)

	case j.HasNewKey():
		// The stored key was replaced by hand since: the recorded key was
		// never stored, so it goes.
		x.progress("Undoing the interrupted rotation of profile %q: deleting the unstored key %s...", x.profile, j.NewKey.AccessKeyID)
		if err := x.deleteKey(ctx, j.UserName, j.NewKey.AccessKeyID); err != nil {
			return false, fmt.Errorf("profile %q: undoing an interrupted rotation: deleting key %s: %w", x.profile, j.NewKey.AccessKeyID, err)
		}
		x.res.Leftovers = append(x.res.Leftovers, j.NewKey.AccessKeyID)

	default:
		// Killed before CreateAccessKey returned: a key may exist whose
		// secret nobody has.
		x.progress("Undoing the interrupted rotation of profile %q...", x.profile)
		if err := x.deleteLeftovers(ctx, j, stored); err != nil {
			return false, fmt.Errorf("profile %q: undoing an interrupted rotation: %w", x.profile, err)
		}
	}
	if err := r.Store.RemoveRotation(x.profile); err != nil && !errors.Is(err, keystore.ErrNotFound) {
		return false, fmt.Errorf("profile %q: undoing an interrupted rotation: %w", x.profile, err)
	}
	x.res.Recovery = RecoveryUndone
	return false, nil
}

// abandonIntent undoes a journal without a recorded key after a failure
// (cause) at or after CreateAccessKey: it deletes a key that may have been
// created, then the journal. When that fails too, the journal stays for the
// next rotate.
func (x *run) abandonIntent(ctx context.Context, j keystore.Rotation, cause error) error {
	stored := keystore.LongTermKey{AccessKeyID: j.OldKeyID}
	if err := x.deleteLeftovers(ctx, j, stored); err != nil {
		return fmt.Errorf("%w; \"credo rotate %s\" will delete any key this attempt created", cause, item.ShellQuote(x.profile))
	}
	if err := x.r.Store.RemoveRotation(x.profile); err != nil && !errors.Is(err, keystore.ErrNotFound) {
		return fmt.Errorf("%w; \"credo rotate %s\" will clean up", cause, item.ShellQuote(x.profile))
	}
	return cause
}

// deleteLeftovers deletes the user's keys that the rotation of journal j
// created without recording them: not known when it began, not the stored
// key, created within the window around j.Started.
func (x *run) deleteLeftovers(ctx context.Context, j keystore.Rotation, stored keystore.LongTermKey) error {
	keys, err := x.listKeys(ctx, j.UserName)
	if err != nil {
		return err
	}
	lo, hi := j.Started.Add(-LeftoverBefore), j.Started.Add(LeftoverAfter)
	for _, k := range keys {
		id := aws.ToString(k.AccessKeyId)
		if id == j.OldKeyID || id == stored.AccessKeyID || slices.Contains(j.KnownKeyIDs, id) {
			continue
		}
		created := aws.ToTime(k.CreateDate)
		if created.Before(lo) || created.After(hi) {
			x.log("keeping a key created outside the rotation's window", "key", id, "created", created)
			continue
		}
		x.progress("Deleting key %s, created by an interrupted rotation and never stored...", id)
		if err := x.deleteKey(ctx, j.UserName, id); err != nil {
			return fmt.Errorf("deleting key %s: %w", id, err)
		}
		x.res.Leftovers = append(x.res.Leftovers, id)
	}
	return nil
}

// prove checks that j.NewKey works and belongs to j.UserName, retrying an
// authentication failure until ProveTimeout (IAM propagates new keys
// within seconds).
func (x *run) prove(ctx context.Context, j keystore.Rotation) error {
	r := x.r
	deadline := r.now().Add(r.proveTimeout())
	wait := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		out, err := r.NewSTS(longTerm(j.NewKey)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			user, ok := userFromARN(aws.ToString(out.Arn))
			if !ok || user != j.UserName {
				return fmt.Errorf("the new key belongs to %s, not to %s", aws.ToString(out.Arn), userLabel(j.UserName))
			}
			x.log("new key works", "attempt", attempt)
			return nil
		}
		if !isAuthFailure(err) || !r.now().Add(wait).Before(deadline) {
			return err
		}
		x.log("new key not accepted yet", "attempt", attempt, "error", err)
		if err := r.sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, 4*time.Second)
	}
}

// deleteKey deletes one of the user's keys; a key that is already gone is
// not an error. An authentication failure (the signing key not propagated
// yet) is retried until ProveTimeout.
func (x *run) deleteKey(ctx context.Context, user, id string) error {
	iamc, err := x.iam(ctx)
	if err != nil {
		return err
	}
	r := x.r
	deadline := r.now().Add(r.proveTimeout())
	wait := 500 * time.Millisecond
	for {
		_, err := iamc.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: userParam(user), AccessKeyId: aws.String(id)})
		if err == nil || apiCode(err) == "NoSuchEntity" {
			return nil
		}
		if !isAuthFailure(err) || !r.now().Add(wait).Before(deadline) {
			return x.iamError("deleting access key "+id, err)
		}
		if err := r.sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, 4*time.Second)
	}
}

func (x *run) listKeys(ctx context.Context, user string) ([]iamKey, error) {
	iamc, err := x.iam(ctx)
	if err != nil {
		return nil, err
	}
	var keys []iamKey
	in := &iam.ListAccessKeysInput{UserName: userParam(user)}
	for {
		out, err := iamc.ListAccessKeys(ctx, in)
		if err != nil {
			return nil, x.iamError("listing access keys", err)
		}
		keys = append(keys, out.AccessKeyMetadata...)
		if !out.IsTruncated || out.Marker == nil {
			return keys, nil
		}
		in.Marker = out.Marker
	}
}

// iam returns the client that signs with the caller's credentials: the key
// stored when the run began, or an MFA session made from it.
func (x *run) iam(ctx context.Context) (IAMAPI, error) {
	if x.caller == nil {
		c := longTerm(x.callerKey)
		if x.r.MFASerial != "" {
			s, err := x.mfaSession(ctx)
			if err != nil {
				return nil, err
			}
			c = s
		}
		x.caller = &c
	}
	return x.r.NewIAM(*x.caller), nil
}

func (x *run) mfaSession(ctx context.Context) (aws.Credentials, error) {
	r := x.r
	if r.MFACode == nil {
		return aws.Credentials{}, fmt.Errorf("profile %q: mfa_serial is set and no MFA code source is available", x.profile)
	}
	code, err := r.MFACode(ctx, r.MFASerial)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("profile %q: %w", x.profile, err)
	}
	out, err := r.NewSTS(longTerm(x.callerKey)).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber:    aws.String(r.MFASerial),
		TokenCode:       aws.String(code),
		DurationSeconds: aws.Int32(int32(DefaultMFADuration / time.Second)),
	})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("profile %q: MFA session for key management: %w", x.profile, err)
	}
	c := out.Credentials
	if c == nil {
		return aws.Credentials{}, fmt.Errorf("profile %q: MFA session for key management: STS returned no credentials", x.profile)
	}
	return aws.Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		CanExpire:       true,
		Expires:         aws.ToTime(c.Expiration),
		Source:          "credo",
	}, nil
}

// iamError names the action and adds a hint for a refusal.
func (x *run) iamError(action string, err error) error {
	err = fmt.Errorf("profile %q: %s: %w", x.profile, action, err)
	switch apiCode(err) {
	case "AccessDenied", "AccessDeniedException":
		h := "the user needs iam:ListAccessKeys, iam:CreateAccessKey and iam:DeleteAccessKey on itself"
		if x.r.MFASerial == "" {
			h += "; if its policy requires MFA, set mfa_serial in the profile"
		}
		return hint.Wrap(err, h)
	case "LimitExceeded":
		return hint.Wrap(err, "the user has two access keys already; delete the one credo does not use in the IAM console")
	}
	return err
}

// dropSessions removes the profile's cached sessions, which were made with
// the old key; it returns how many went.
func (x *run) dropSessions() int {
	if x.r.DropSessions != nil {
		n, err := x.r.DropSessions(x.profile)
		if err != nil {
			x.log("dropping cached sessions failed", "error", err)
		}
		return n
	}
	refs, err := x.r.Store.Sessions(x.profile)
	if err != nil {
		x.log("listing cached sessions failed", "error", err)
		return 0
	}
	n := 0
	for _, ref := range refs {
		if err := x.r.Store.RemoveSession(ref); err == nil || errors.Is(err, keystore.ErrNotFound) {
			n++
		}
	}
	return n
}

func (x *run) progress(format string, args ...any) {
	if x.r.Progress != nil {
		fmt.Fprintf(x.r.Progress, format+"\n", args...)
	}
}

func (x *run) log(msg string, args ...any) {
	if x.r.Log != nil {
		x.r.Log.Debug("rotate: "+msg, append([]any{"profile", x.profile}, args...)...)
	}
}

func (r *Rotator) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Rotator) proveTimeout() time.Duration {
	if r.ProveTimeout > 0 {
		return r.ProveTimeout
	}
	return DefaultProveTimeout
}

func (r *Rotator) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	return awscall.Sleep(ctx, d)
}

type iamKey = iamtypes.AccessKeyMetadata

func longTerm(k keystore.LongTermKey) aws.Credentials {
	return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, Source: "credo"}
}

// userFromARN returns the IAM user name of an identity ARN
// (arn:PARTITION:iam::ACCOUNT:user[/PATH]/NAME), "" for the root user.
func userFromARN(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return "", false
	}
	res := parts[5]
	if res == "root" {
		return "", true
	}
	rest, ok := strings.CutPrefix(res, "user/")
	if !ok || rest == "" {
		return "", false
	}
	return rest[strings.LastIndexByte(rest, '/')+1:], true
}

// userParam is the UserName of an IAM call: nil for the root user (IAM then
// acts on the signer).
func userParam(user string) *string {
	if user == "" {
		return nil
	}
	return aws.String(user)
}

func userLabel(user string) string {
	if user == "" {
		return "the root user"
	}
	return fmt.Sprintf("IAM user %q", user)
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isAuthFailure reports an error that says the signing key is not (yet)
// known or its signature is wrong.
func isAuthFailure(err error) bool {
	switch apiCode(err) {
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure", "UnrecognizedClientException", "InvalidAccessKeyId":
		return true
	}
	return false
}
