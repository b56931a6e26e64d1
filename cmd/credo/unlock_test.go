//go:build linux || darwin

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/memstore"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// These tests run credo's processes as one login runs them: they share the
// test binary's session keyring (TestMain), where credo keeps unlocked
// keyrings and sessions. No test of this package runs in parallel with
// them, so `credo lock` forgets only what they made.

// needMemory fails under CI, and skips elsewhere, where the kernel key
// store cannot be used.
func needMemory(t *testing.T) {
	t.Helper()
	if _, err := (&memstore.Store{}).Sessions("probe"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the kernel key store is required under CI=true: %v", err)
		}
		t.Skipf("no kernel key store here (%v)", err)
	}
}

const unlockConfig = "[profile dev]\nregion = eu-west-1\n"

// pass is the file keyring passphrase of these tests.
const pass = "correct horse battery staple"

// unlockWorld is a fake STS that knows the test key, and a terminal user's
// environment pointed at it.
func unlockWorld(t *testing.T) (*stsfake.Server, []string) {
	t.Helper()
	needMemory(t)
	sts := stsfake.NewTest(t)
	sts.AddUser("AKIAIOSFODNN7EXAMPLE", testSecret, "tester")
	return sts, unlockEnv(t, sts)
}

// lockLogin runs credo lock and returns what it said.
func lockLogin(t *testing.T, env []string) string {
	t.Helper()
	lock := exec.Command("credo", "lock")
	lock.Env = env
	out, err := lock.CombinedOutput()
	if err != nil {
		t.Fatalf("credo lock: %v\n%s", err, out)
	}
	return string(out)
}

// unlockEnv is a terminal user's environment: the file backend and no
// CREDO_FILE_PASSPHRASE.
func unlockEnv(t *testing.T, sts *stsfake.Server) []string {
	t.Helper()
	env, home := interactiveEnv(t)
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(unlockConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return append(env,
		"AWS_ENDPOINT_URL_STS="+sts.URL(),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"),
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
	)
}

// addByTerminal runs credo add on a terminal. With a cheap keyring made
// first (cheapKeyring: the default key derivation costs seconds under the
// race detector), the passphrase is asked once; otherwise the keyring is new
// and it is asked twice.
func addByTerminal(t *testing.T, env []string, profile, passphrase string) {
	t.Helper()
	s := startPTY(t, env, "add", profile, "--add-config=false")
	s.answer("Access key ID: ", "AKIAIOSFODNN7EXAMPLE")
	s.answer("Secret access key: ", testSecret)
	if _, err := os.Stat(filepath.Join(dirOf(env), filefast.HeaderFile)); err == nil {
		s.answer("Passphrase for the credo file keyring: ", passphrase)
	} else {
		s.answer("New passphrase for the credo file keyring ", passphrase)
		s.answer("Repeat the passphrase: ", passphrase)
	}
	if err, screen := s.wait(); err != nil {
		t.Fatalf("add: %v\n%s", err, screen)
	}
}

// export runs `credo export --format json dev` on a terminal and returns
// what the terminal showed; answers are typed at each passphrase question.
func exportOnTerminal(t *testing.T, env []string, answers ...string) string {
	t.Helper()
	s := startPTY(t, env, "export", "--format", "json", "dev")
	for i, a := range answers {
		q := "Passphrase for the credo file keyring: "
		if i > 0 {
			q = "Wrong passphrase; try again: "
		}
		s.answer(q, a)
	}
	err, screen := s.wait()
	if err != nil {
		t.Fatalf("export: %v\n%s", err, screen)
	}
	if !strings.Contains(screen, `"AccessKeyId":"ASIA`) {
		t.Fatalf("export printed no session:\n%s", screen)
	}
	return screen
}

// TestUnlockOncePerLogin: issue 10 end to end. The passphrase is asked once
// in a login; the session is then served from memory without STS; after
// `credo lock` the next command asks again; a wrong answer is asked again.
func TestUnlockOncePerLogin(t *testing.T) {
	sts, env := unlockWorld(t)
	// Start from a login with nothing in memory (earlier tests share it).
	lockLogin(t, env)
	if err := cheapKeyring(dirOf(env), pass); err != nil {
		t.Fatal(err)
	}

	addByTerminal(t, env, "dev", pass)
	// The next commands of the login ask nothing: the keyring is unlocked.
	screen := exportOnTerminal(t, env)
	if strings.Contains(screen, "assphrase") || sts.Calls("GetSessionToken") != 1 {
		t.Fatalf("first export: asked again or %d STS calls:\n%s", sts.Calls("GetSessionToken"), screen)
	}
	first := screen
	screen = exportOnTerminal(t, env)
	if strings.Contains(screen, "assphrase") || sts.Calls("") != 1 {
		t.Fatalf("cached export: asked or called STS (%d calls):\n%s", sts.Calls(""), screen)
	}
	if sessionOf(first) != sessionOf(screen) {
		t.Fatalf("the cached export handed out another session:\n%s\n%s", first, screen)
	}
	// The session was held in memory, not written to the keyring.
	entries, _ := os.ReadDir(dirOf(env))
	for _, e := range entries {
		if strings.Contains(e.Name(), "session") {
			t.Fatalf("a session was written to the keyring folder: %s", e.Name())
		}
	}

	if out := lockLogin(t, env); !strings.Contains(out, "forgot 1 unlocked keyring and 1 session held in memory") {
		t.Fatalf("credo lock: %s", out)
	}
	// Locked: asked again, and a wrong answer is asked again.
	screen = exportOnTerminal(t, env, "not the passphrase", pass)
	if strings.Count(screen, "Wrong passphrase; try again") != 1 || sts.Calls("GetSessionToken") != 2 {
		t.Fatalf("after lock: %d STS calls:\n%s", sts.Calls("GetSessionToken"), screen)
	}
	screen = exportOnTerminal(t, env)
	if strings.Contains(screen, "assphrase") || sts.Calls("") != 2 {
		t.Fatalf("after unlocking again: asked, or %d STS calls:\n%s", sts.Calls(""), screen)
	}

	// unlock_timeout 0: asked every time, as before issue 10.
	every := append(append([]string{}, env...), "CREDO_UNLOCK_TIMEOUT=0")
	for range 2 {
		s := startPTY(t, every, "export", "--format", "json", "--no-session", "dev")
		s.answer("Passphrase for the credo file keyring: ", pass)
		if err, screen := s.wait(); err != nil {
			t.Fatalf("unlock_timeout 0: %v\n%s", err, screen)
		}
	}
}

// TestConcurrentUnlockAsksOnce: two processes that need the locked keyring
// at the same moment ask once between them.
func TestConcurrentUnlockAsksOnce(t *testing.T) {
	_, env := unlockWorld(t)
	if err := cheapKeyring(dirOf(env), pass); err != nil {
		t.Fatal(err)
	}
	addByTerminal(t, env, "dev", pass)
	lockLogin(t, env)

	a := startPTY(t, env, "export", "--format", "json", "--no-session", "dev")
	b := startPTY(t, env, "export", "--format", "json", "--no-session", "dev")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const q = "Passphrase for the credo file keyring: "
	var asked *ptySession
	for asked == nil {
		for _, s := range []*ptySession{a, b} {
			if strings.Contains(s.screen.String(), q) {
				asked = s
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no process asked:\n%s\n%s", a.screen.String(), b.screen.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	asked.answer(q, pass)
	for _, s := range []*ptySession{a, b} {
		if err, screen := s.wait(); err != nil {
			t.Fatalf("export: %v\n%s", err, screen)
		}
	}
	if n := strings.Count(a.screen.String()+b.screen.String(), q); n != 1 {
		t.Fatalf("asked %d times:\n%s\n---\n%s", n, a.screen.String(), b.screen.String())
	}
}

// TestCachedExportOnPassRunsNoGPG: with the pass backend, a cached export is
// served from memory: neither pass nor gpg runs (a PATH wrapper records
// every call).
func TestCachedExportOnPassRunsNoGPG(t *testing.T) {
	needMemory(t)
	home := t.TempDir()
	gnupg, storeDir := testsvc.Pass(t, home)
	sts := stsfake.NewTest(t)
	sts.AddUser("AKIAIOSFODNN7EXAMPLE", testSecret, "tester")

	// pass and gpg behind wrappers that log each run.
	wrap := t.TempDir()
	calls := filepath.Join(t.TempDir(), "calls")
	for _, tool := range []string{"pass", "gpg", "gpg2"} {
		real, err := exec.LookPath(tool)
		if err != nil {
			continue
		}
		script := "#!/bin/sh\necho " + tool + " >> " + calls + "\nexec " + real + " \"$@\"\n"
		if err := os.WriteFile(filepath.Join(wrap, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(unlockConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + wrap + ":" + os.Getenv("PATH"), raceEnv(), "HOME=" + home,
		"GNUPGHOME=" + gnupg, "PASSWORD_STORE_DIR=" + storeDir, "CREDO_PASS_DIR=" + storeDir, "CREDO_BACKEND=pass",
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_RUNTIME_DIR=" + filepath.Join(home, "run"),
		"AWS_ENDPOINT_URL_STS=" + sts.URL(),
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
	}
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("credo", args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("credo %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	run("AKIAIOSFODNN7EXAMPLE\n"+testSecret+"\n", "add", "dev", "--add-config=false")
	first := run("", "export", "--format", "json", "dev")
	if b, _ := os.ReadFile(calls); !strings.Contains(string(b), "pass") {
		t.Fatalf("the wrappers recorded nothing while the key was read: %q", b)
	}
	if err := os.Remove(calls); err != nil {
		t.Fatal(err)
	}
	second := run("", "export", "--format", "json", "dev")
	if second != first || sts.Calls("") != 1 {
		t.Fatalf("the cached export differs or called STS (%d calls)", sts.Calls(""))
	}
	if b, err := os.ReadFile(calls); err == nil {
		t.Fatalf("a cached export ran %q", b)
	}
}

func sessionOf(screen string) string {
	i := strings.Index(screen, `"AccessKeyId":"`)
	if i < 0 {
		return ""
	}
	return screen[i : i+40]
}

func dirOf(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "CREDO_FILE_DIR="); ok {
			return v
		}
	}
	return ""
}

// TestPassphraseThroughDialog: without a terminal (a credential_process
// started by a desktop application), the file keyring's passphrase is asked
// through the prompt setting's dialog: twice for a new keyring, once to
// unlock, and not again while unlocked.
func TestPassphraseThroughDialog(t *testing.T) {
	sts, env := unlockWorld(t)
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "zenity.log")
	zenity := "#!/bin/sh\necho \"$*\" >> '" + log + "'\necho '" + pass + "'\n"
	if err := os.WriteFile(filepath.Join(bin, "zenity"), []byte(zenity), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + bin + ":" + strings.TrimPrefix(kv, "PATH=")
		}
	}
	env = append(env, "CREDO_PROMPT=zenity")
	run := func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.Command("credo", args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("credo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	asked := func() []string {
		data, _ := os.ReadFile(log)
		_ = os.Remove(log)
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	lockLogin(t, env)
	run("AKIAIOSFODNN7EXAMPLE\n"+testSecret+"\n", "add", "dev", "--add-config=false")
	if got := asked(); len(got) != 2 || !strings.Contains(got[0], "--hide-text") || !strings.Contains(got[0], "New passphrase") || !strings.Contains(got[1], "Repeat") {
		t.Fatalf("a new keyring asked %q", got)
	}
	run("", "export", "--format", "json", "dev")
	if got := asked(); got[0] != "" {
		t.Fatalf("an unlocked keyring asked %q", got)
	}
	lockLogin(t, env)
	run("", "export", "--format", "json", "--no-session", "dev")
	if got := asked(); len(got) != 1 || !strings.Contains(got[0], "Passphrase for the credo file keyring") {
		t.Fatalf("unlocking asked %q", got)
	}
	if sts.Calls("") != 1 {
		t.Fatalf("%d STS calls, want 1", sts.Calls(""))
	}
}

// TestExecCommandGetsNothingInMemory: the command credo exec runs (replaced
// by the front or by credo-core, or started as a child by --server) does not
// possess credo's keyring in memory: it cannot read the file keyring's
// unlocked key, which would open every long-term key in the folder for
// good, nor the sessions of other profiles. The processes of the login do.
func TestExecCommandGetsNothingInMemory(t *testing.T) {
	_, env := unlockWorld(t)
	lockLogin(t, env)
	if err := cheapKeyring(dirOf(env), pass); err != nil {
		t.Fatal(err)
	}
	addByTerminal(t, env, "dev", pass)
	peek := func(argv ...string) string {
		t.Helper()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := peek("memory-peek"); got != "possessed" {
		t.Fatalf("a process of the login: %q", got)
	}
	for _, argv := range [][]string{
		{"credo", "exec", "dev", "--", "memory-peek"},
		{"credo", "exec", "--no-session", "dev", "--", "memory-peek"},
		{"credo-core", "exec", "dev", "--", "memory-peek"},
		{"credo", "exec", "--server", "dev", "--", "memory-peek"},
	} {
		if got := peek(argv...); got != "not possessed" {
			t.Errorf("%s: %q", strings.Join(argv, " "), got)
		}
	}
}
