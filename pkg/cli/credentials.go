package cli

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/lock"
	"github.com/credo-cli/credo/pkg/output"
	"github.com/credo-cli/credo/pkg/prompt"
)

// credRequest is what exec and export ask for.
type credRequest struct {
	Profile   string
	Duration  time.Duration
	NoSession bool
	MFAToken  string
	Region    string
	NoBrowser bool
}

// retrieved is what retrieve hands a command: the credentials, the region
// to hand out with them, the target's role and where the credentials came
// from (for the audit log).
type retrieved struct {
	Creds   aws.Credentials
	Region  string
	RoleARN string
	Origin  plan.Origin
}

// handout converts the credentials to what package output formats.
func (r retrieved) output() output.Credentials {
	c := r.Creds
	return output.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		CanExpire: c.CanExpire, Expires: c.Expires, RoleARN: r.RoleARN}
}

// retrieve resolves the profile's chain and returns its credentials and the
// region to hand out with them.
func (f *Factory) retrieve(ctx context.Context, req credRequest) (retrieved, error) {
	// Load reports problems anywhere in the files; Chain reports those of
	// this profile's chain only, so a mistake in an unrelated profile does
	// not stop this one.
	cfg, err := config.LoadLazily(f.ConfigFiles())
	if cfg == nil {
		return retrieved{}, err
	}
	chain, err := cfg.Chain(req.Profile)
	if err != nil {
		return retrieved{}, err
	}
	store, err := f.Store()
	if err != nil {
		return retrieved{}, err
	}
	if err := knownProfile(cfg, store, req.Profile); err != nil {
		return retrieved{}, err
	}
	getenv := f.env.Getenv
	r := &creds.Resolver{
		Store:          store,
		NewSTS:         creds.NewSTSFunc(creds.STSOptions{Getenv: getenv, Log: f.log}),
		Prompt:         &lazyPrompter{f: f, account: chain[0].Raw["ykman_account"]},
		MFAToken:       req.MFAToken,
		ProcessTimeout: f.settings.CredentialProcessTimeout,
		ReadMFAToken:   f.stdinCode,
		Getenv:         getenv,
		Now:            f.env.Now,
		MinTTL:         f.settings.MinTTL,
		Locker:         &lazyLocker{f: f},
		Log:            f.log,
		Notice:         f.env.IO.ErrOut,
		NoBrowser:      req.NoBrowser,
	}
	c, origin, err := r.RetrieveOrigin(ctx, chain, creds.Options{Duration: req.Duration, NoSession: req.NoSession})
	if err != nil {
		return retrieved{}, err
	}
	return retrieved{Creds: c, Region: output.Region(req.Region, chain[0].Region, f.env.Getenv), RoleARN: chain[0].RoleARN, Origin: origin}, nil
}

// lazyPrompter builds the prompt driver only when a code is needed, so a
// cached session never looks for ykman or a terminal.
type lazyPrompter struct {
	f       *Factory
	account string
	once    sync.Once
	p       prompt.Prompter
	err     error
}

func (l *lazyPrompter) MFACode(ctx context.Context, serial, message string) (string, error) {
	l.once.Do(func() { l.p, l.err = l.f.Prompter(l.account) })
	if l.err != nil {
		return "", fmt.Errorf("mfa prompt: %w", l.err)
	}
	return l.p.MFACode(ctx, serial, message)
}

// fileLock returns the lock that every writer of an AWS file holds around
// its read-modify-rename (see config.AppendProfile).
func (f *Factory) fileLock(ctx context.Context) config.LockFunc {
	l := &lazyLocker{f: f}
	return func(key string) (func(), error) { return l.Lock(ctx, key) }
}

// lazyLocker finds (and creates) the lock folder only when a step must
// really be fetched: the hot path, a cached session, never touches it.
type lazyLocker struct {
	f    *Factory
	once sync.Once
	l    *lock.Locker
	err  error
}

func (l *lazyLocker) Lock(ctx context.Context, key string) (func(), error) {
	l.once.Do(func() {
		dir, err := lock.DefaultDir(l.f.env.Getenv)
		if err != nil {
			l.err = fmt.Errorf("lock folder: %w", err)
			return
		}
		l.l = &lock.Locker{Dir: dir, Wait: l.f.settings.LockTimeout, Notify: l.f.notices()}
	})
	if l.err != nil {
		return nil, l.err
	}
	return l.l.Lock(ctx, key)
}
