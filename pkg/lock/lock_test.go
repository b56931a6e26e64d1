package lock

import (
	"context"
	"errors"
	"fmt"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/hint"
)

const key = "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"

// hangGuard is a generous bound that only detects a hang.
const hangGuard = 30 * time.Second

func TestProcessesTakeTurns(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "log")
	const procs, rounds = 6, 4
	var cmds []*exec.Cmd
	for range procs {
		cmd := child(t, "append", "LOCK_DIR="+dir, "LOCK_KEY="+key, "LOCK_FILE="+out, fmt.Sprint("LOCK_ROUNDS=", rounds))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	done := make(chan []error, 1)
	go func() {
		var errs []error
		for _, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				errs = append(errs, fmt.Errorf("child %d: %w", cmd.Process.Pid, err))
			}
		}
		done <- errs
	}()
	select {
	case errs := <-done:
		for _, err := range errs {
			t.Error(err)
		}
	case <-time.After(2 * hangGuard):
		for _, cmd := range cmds {
			_ = cmd.Process.Kill()
		}
		t.Fatal("children did not finish: lock hang")
	}

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != procs*rounds*2 {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), procs*rounds*2, data)
	}
	pids := map[string]int{}
	for i := 0; i < len(lines); i += 2 {
		start, end := lines[i], lines[i+1]
		pid, ok := strings.CutPrefix(start, "start ")
		if !ok || end != "end "+pid {
			t.Fatalf("lines %d-%d interleaved: %q then %q\n%s", i+1, i+2, start, end, data)
		}
		pids[pid]++
	}
	if len(pids) != procs {
		t.Errorf("%d distinct processes wrote, want %d", len(pids), procs)
	}
}

func TestGoroutinesTakeTurns(t *testing.T) {
	l := &Locker{Dir: t.TempDir(), Wait: hangGuard}
	var inside atomic.Int32
	var overlap atomic.Bool
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				unlock, err := l.Lock(context.Background(), key)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					overlap.Store(true)
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	if overlap.Load() {
		t.Error("two goroutines held the lock at once")
	}
}

func TestDifferentKeysDoNotBlock(t *testing.T) {
	dir := t.TempDir()
	holder(t, dir, key)
	// Wait < 0: fail at once if the lock is taken.
	l := &Locker{Dir: dir, Wait: -1}
	unlock, err := l.Lock(context.Background(), "ab"+key)
	if err != nil {
		t.Fatalf("other key blocked: %v", err)
	}
	unlock()
	if _, err := l.Lock(context.Background(), key); err == nil {
		t.Fatal("same key was not blocked by the holder process")
	}
}

func TestTimeout(t *testing.T) {
	dir := t.TempDir()
	holder(t, dir, key)
	l := &Locker{Dir: dir, Wait: 300 * time.Millisecond}
	start := time.Now()
	_, err := l.Lock(context.Background(), key)
	if err == nil {
		t.Fatal("Lock succeeded while another process holds the lock")
	}
	if time.Since(start) > hangGuard {
		t.Fatalf("timeout took %v", time.Since(start))
	}
	want := fmt.Sprintf("timed out after 300ms waiting for another credo process (lock %s)", filepath.Join(dir, FileName(key)))
	if err.Error() != want {
		t.Errorf("error:\n got %q\nwant %q", err, want)
	}
	if h := hint.Of(err); !strings.Contains(h, WaitSetting) {
		t.Errorf("hint %q does not name %s", h, WaitSetting)
	}
}

func TestKilledHolderReleases(t *testing.T) {
	dir := t.TempDir()
	cmd, _ := holder(t, dir, key)
	l := &Locker{Dir: dir, Wait: hangGuard}
	result := make(chan error, 1)
	go func() {
		unlock, err := l.Lock(context.Background(), key)
		if err == nil {
			unlock()
		}
		result <- err
	}()
	// The waiter must still be waiting while the holder lives.
	select {
	case err := <-result:
		t.Fatalf("waiter returned while the holder lives: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on unix
		t.Fatal(err)
	}
	_ = cmd.Wait()
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("waiter after kill -9 of the holder: %v", err)
		}
	case <-time.After(2 * hangGuard):
		t.Fatal("waiter still blocked after the holder was killed")
	}
}

func TestReleasedHolderLetsWaiterIn(t *testing.T) {
	dir := t.TempDir()
	_, release := holder(t, dir, key)
	l := &Locker{Dir: dir, Wait: hangGuard}
	result := make(chan error, 1)
	go func() {
		unlock, err := l.Lock(context.Background(), key)
		if err == nil {
			unlock()
		}
		result <- err
	}()
	time.Sleep(50 * time.Millisecond)
	release()
	select {
	case err := <-result:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * hangGuard):
		t.Fatal("waiter still blocked after the holder unlocked")
	}
}

func TestWaitingMessage(t *testing.T) {
	dir := t.TempDir()
	holderLock := &Locker{Dir: dir}
	unlockHolder, err := holderLock.Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}

	var notes testsvc.Buffer
	l := &Locker{Dir: dir, Wait: hangGuard, NotifyAfter: 50 * time.Millisecond, Notify: &notes}
	result := make(chan error, 1)
	go func() {
		ctx := WithLabel(context.Background(), `profile "dev"`)
		unlock, err := l.Lock(ctx, key)
		if err == nil {
			unlock()
		}
		result <- err
	}()
	const msg = "credo: waiting for another credo process to finish getting credentials for profile \"dev\"\n"
	deadline := time.Now().Add(hangGuard)
	for notes.String() == "" {
		if time.Now().After(deadline) {
			t.Fatal("no waiting message")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Let the waiter poll a while longer: the message must not repeat.
	time.Sleep(300 * time.Millisecond)
	unlockHolder()
	unlockHolder() // a second call is harmless
	select {
	case err := <-result:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * hangGuard):
		t.Fatal("waiter still blocked after unlock")
	}
	if got := notes.String(); got != msg {
		t.Errorf("Notify got %q, want %q once", got, msg)
	}
}

func TestNoMessageWithoutWaiting(t *testing.T) {
	var notes testsvc.Buffer
	l := &Locker{Dir: t.TempDir(), NotifyAfter: time.Nanosecond, Notify: &notes}
	for range 3 {
		unlock, err := l.Lock(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		unlock()
	}
	if got := notes.String(); got != "" {
		t.Errorf("Notify got %q for locks that were free", got)
	}
}

func TestContextCancel(t *testing.T) {
	dir := t.TempDir()
	unlockHolder, err := (&Locker{Dir: dir}).Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer unlockHolder()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = (&Locker{Dir: dir, Wait: hangGuard}).Lock(ctx, key)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
}

func TestLockFileAndFolderModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "credo")
	unlock, err := (&Locker{Dir: dir}).Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	fi, err := os.Stat(filepath.Join(dir, FileName(key)))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode().Perm())
	}
	if fi.Size() != 0 {
		t.Errorf("lock file holds %d bytes, want none", fi.Size())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("lock folder mode %v, want 0700", di.Mode().Perm())
	}
}

func TestFileName(t *testing.T) {
	long := strings.Repeat("f", 10_000)
	name := FileName(long)
	if len(name) != 32+len(".lock") || !strings.HasSuffix(name, ".lock") {
		t.Errorf("FileName(long key) = %q", name)
	}
	if FileName("a") == FileName("b") {
		t.Error("different keys share a lock file")
	}
	if FileName(key) != FileName(key) {
		t.Error("FileName is not stable")
	}
}

func TestEmptyKeyOrDir(t *testing.T) {
	if _, err := (&Locker{Dir: t.TempDir()}).Lock(context.Background(), ""); err == nil {
		t.Error("empty key accepted")
	}
	if _, err := (&Locker{}).Lock(context.Background(), key); err == nil {
		t.Error("empty Dir accepted")
	}
}
