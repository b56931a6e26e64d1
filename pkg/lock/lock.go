// Package lock provides the cross-process lock that keeps concurrent credo
// processes from repeating the same STS call or asking for the same MFA code
// twice ("single flight").
//
// A lock is an flock(2) (LockFileEx on windows) on a small file in a private
// folder, one file per key. The kernel drops the lock when its holder exits
// for any reason, kill -9 included, so a dead process never blocks the
// others. The files are never deleted: removing a file that another process
// may have open and be about to lock would let two processes each hold "the"
// lock on different inodes. They are empty and named by a hash of the key,
// so the folder stays small (one file per distinct credential chain step).
//
// pkg/lock is part of credo's implementation, not a public API.
package lock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/settings"
)

// DefaultNotifyAfter is how long Lock waits before it tells the user that it
// is waiting, when Locker.NotifyAfter is zero.
const DefaultNotifyAfter = time.Second

// WaitSetting names the variable of the setting that controls Locker.Wait
// (lock_timeout); the timeout hint mentions it.
var WaitSetting = settings.Lookup("lock_timeout").Env

// Poll intervals: TryLock is retried with a backoff from minPoll to maxPoll
// so that a waiter reacts quickly to a short hold without spinning during a
// long one (for example while the holder waits for an MFA code).
const (
	minPoll = 10 * time.Millisecond
	maxPoll = 100 * time.Millisecond
)

// Locker hands out exclusive locks shared by every process of the user that
// uses the same Dir. The zero value of every field but Dir is usable (Wait's
// means do not wait).
type Locker struct {
	// Dir is the folder that holds the lock files, normally DefaultDir's
	// answer. Lock creates it (0700) when it is missing.
	Dir string
	// Wait is how long Lock waits for another holder before it gives up;
	// zero or less means do not wait at all. Its default is the
	// lock_timeout setting's (package settings).
	Wait time.Duration
	// NotifyAfter is how long Lock waits before it writes the waiting
	// message to Notify. Zero means DefaultNotifyAfter.
	NotifyAfter time.Duration
	// Notify receives one line, once per Lock call, when the wait passes
	// NotifyAfter (normally the standard error stream). Nil means silent.
	Notify io.Writer
}

type labelKey struct{}

// WithLabel returns a context whose Lock calls name what they wait for in
// the waiting message, e.g. `profile "dev"`.
func WithLabel(ctx context.Context, label string) context.Context {
	return context.WithValue(ctx, labelKey{}, label)
}

func labelOf(ctx context.Context) string {
	s, _ := ctx.Value(labelKey{}).(string)
	return s
}

// FileName returns the name of the lock file used for key: a hash of it, so
// that any key, however long, gives a short, safe file name.
func FileName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16]) + ".lock"
}

// Lock blocks until this process holds the lock for key, ctx is done, or
// l.Wait has passed. The returned unlock releases it; calling unlock more
// than once is harmless. Locks of different keys are independent, and two
// Lock calls in one process exclude each other as two processes do.
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if key == "" {
		return nil, errors.New("lock: empty key")
	}
	if l.Dir == "" {
		return nil, errors.New("lock: no lock folder set")
	}
	path := filepath.Join(l.Dir, FileName(key))
	fl := flock.New(path, flock.SetPermissions(0o600))

	ok, err := tryLock(fl, l.Dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := l.wait(ctx, fl, path); err != nil {
			return nil, err
		}
	}
	var once sync.Once
	return func() {
		// Unlock also closes the file; an error here cannot be acted on,
		// and the lock goes away with the descriptor or the process anyway.
		once.Do(func() { _ = fl.Unlock() })
	}, nil
}

// tryLock makes one attempt, creating the folder first if it is missing.
func tryLock(fl *flock.Flock, dir string) (bool, error) {
	ok, err := fl.TryLock()
	if err != nil && errors.Is(err, fs.ErrNotExist) {
		if mkErr := os.MkdirAll(dir, 0o700); mkErr != nil {
			return false, fmt.Errorf("lock folder %s: %w", dir, mkErr)
		}
		ok, err = fl.TryLock()
	}
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", fl.Path(), err)
	}
	return ok, nil
}

func (l *Locker) wait(ctx context.Context, fl *flock.Flock, path string) error {
	wait := max(l.Wait, 0)
	notifyAfter := l.NotifyAfter
	if notifyAfter <= 0 {
		notifyAfter = DefaultNotifyAfter
	}

	start := time.Now()
	deadline := start.Add(wait)
	notified := l.Notify == nil
	poll := minPoll
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C

	for {
		now := time.Now()
		if !notified && now.Sub(start) >= notifyAfter {
			notified = true
			l.notify(ctx)
		}
		if !now.Before(deadline) {
			return timeoutError(wait, path)
		}
		sleep := poll
		if left := deadline.Sub(now); left < sleep {
			sleep = left
		}
		if !notified {
			if left := start.Add(notifyAfter).Sub(now); left > 0 && left < sleep {
				sleep = left
			}
		}
		timer.Reset(sleep)
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for another credo process (lock %s): %w", path, ctx.Err())
		case <-timer.C:
		}
		poll = min(poll*2, maxPoll)

		ok, err := tryLock(fl, l.Dir)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
}

func (l *Locker) notify(ctx context.Context) {
	msg := "credo: waiting for another credo process to finish getting credentials"
	if label := labelOf(ctx); label != "" {
		msg += " for " + label
	}
	// The message is advisory: a failed write must not stop the wait.
	_, _ = io.WriteString(l.Notify, msg+"\n")
}

func timeoutError(wait time.Duration, path string) error {
	err := fmt.Errorf("timed out after %s waiting for another credo process (lock %s)", wait, path)
	return hint.Wrap(err, fmt.Sprintf(
		"another credo process may be waiting for an MFA code: answer or stop it, or wait longer with %s=5m", WaitSetting))
}
