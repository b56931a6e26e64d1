// Package testsvc starts the real services that credo's tests run against:
// a private D-Bus session bus with gnome-keyring, and a throwaway gpg key
// with a pass store. It is for tests only.
package testsvc

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// SecretService starts a private D-Bus session bus and gnome-keyring with
// its login collection unlocked, all under home. It returns the environment
// a process needs to use them (HOME excluded); both daemons stop at
// cleanup. A new collection cannot be created without a desktop, so
// callers use the "login" collection.
func SecretService(t TB, home string) []string {
	t.Helper()
	for _, tool := range []string{"dbus-daemon", "gnome-keyring-daemon", "dbus-send"} {
		Need(t, tool)
	}
	run := filepath.Join(home, "run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"XDG_RUNTIME_DIR=" + run, "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config")}
	base := append(append(os.Environ(), "HOME="+home), env...)

	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	bus.Env = base
	stdout, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Process.Kill(); _ = bus.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon address: %v", err)
	}
	addr := "DBUS_SESSION_BUS_ADDRESS=" + strings.TrimSpace(line)
	env = append(env, addr)
	base = append(base, addr)

	gk := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	gk.Env = base
	gk.Stdin = strings.NewReader("test-login-password")
	if err := gk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gk.Process.Kill(); _ = gk.Wait() })
	// Wait until gnome-keyring owns the Secret Service name, so that
	// nothing D-Bus-activates a second, locked daemon.
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		cmd.Env = base
		out, _ := cmd.Output()
		if strings.Contains(string(out), "boolean true") {
			return env
		}
		if time.Now().After(deadline) {
			t.Fatalf("gnome-keyring did not register on the bus: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Pass makes a throwaway gpg key (no passphrase) in home/gnupg and a pass
// store initialised with it in home/password-store. It returns GNUPGHOME
// and PASSWORD_STORE_DIR; gpg-agent is stopped at cleanup.
func Pass(t TB, home string) (gnupgHome, storeDir string) {
	t.Helper()
	for _, tool := range []string{"pass", "gpg", "gpgconf"} {
		Need(t, tool)
	}
	gnupgHome = filepath.Join(home, "gnupg")
	storeDir = filepath.Join(home, "password-store")
	if err := os.MkdirAll(gnupgHome, 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+home, "GNUPGHOME="+gnupgHome, "PASSWORD_STORE_DIR="+storeDir)
	run := func(stdin string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		kill := exec.Command("gpgconf", "--kill", "gpg-agent")
		kill.Env = env
		_ = kill.Run()
	})
	run("%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nSubkey-Type: ecdh\nSubkey-Curve: cv25519\n"+
		"Name-Real: credo test\nName-Email: credo-test@example.invalid\nExpire-Date: 0\n%commit\n", "gpg", "--batch", "--gen-key")
	listing := run("", "gpg", "--batch", "--with-colons", "--list-secret-keys")
	fpr := regexp.MustCompile(`(?m)^fpr:+([0-9A-F]{40}):`).FindStringSubmatch(listing)
	if fpr == nil {
		t.Fatalf("no fingerprint in %s", listing)
	}
	run("", "pass", "init", fpr[1])
	return gnupgHome, storeDir
}

// TB is what these helpers need of a test: testing.TB has it, and so does
// the benchmark (cmd/credo-bench), which sets up the same services.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	Cleanup(func())
}

// Buffer is a bytes.Buffer that several goroutines may write to, such as a
// pseudo-terminal reader and a logger.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
