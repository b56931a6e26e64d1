//go:build linux

package keystore

import (
	"context"
	"errors"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/keystore/dbusguard"
)

// Tests of the D-Bus guard in a process that links keyring, as credo does.
// The test binary re-executes itself as the "guard" helper (runGuardReport),
// which reports what the guard decided, which backends keyring registered
// and the environment before and after Restore.

// fakeDBusLaunch puts a dbus-launch on a new PATH that records that it ran
// and then hangs, as a broken one can.
func fakeDBusLaunch(t *testing.T) (path, marker string) {
	t.Helper()
	bin := t.TempDir()
	marker = filepath.Join(t.TempDir(), "dbus-launch-ran")
	script := "#!/bin/sh\ntouch '" + marker + "'\nexec sleep 30\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin + string(os.PathListSeparator) + os.Getenv("PATH"), marker
}

// guardEnv is a clean environment: no bus address, no settings file, HOME
// and XDG_RUNTIME_DIR in temporary folders.
func guardEnv(t *testing.T, path string, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DBUS_SESSION_BUS_ADDRESS", "DISABLE_KWALLET", "CREDO_BACKEND", "CREDO_CONFIG", "XDG_CONFIG_HOME", "HOME", "XDG_RUNTIME_DIR", "PATH", "GODEBUG":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+path, "HOME="+home, "XDG_RUNTIME_DIR="+filepath.Join(home, "run"))
	return append(env, extra...)
}

// runGuarded runs cmd with a 10 s bound (the fake dbus-launch sleeps 30 s).
func runGuarded(t *testing.T, name string, env []string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	killGroup(cmd)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within 10s (hung on D-Bus?)\n%s", name, errOut.String())
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, errOut.String())
	}
	return out.String(), errOut.String()
}

// usesBus reports whether the guard report lists a D-Bus backend as
// registered by keyring.
func usesBus(report string) bool {
	for _, line := range strings.Split(report, "\n") {
		if rest, ok := strings.CutPrefix(line, "available="); ok {
			return strings.Contains(rest, "secret-service") || strings.Contains(rest, "kwallet")
		}
	}
	return false
}

func assertNotRan(t *testing.T, marker string) {
	t.Helper()
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dbus-launch was spawned (%v)", err)
	}
}

func TestGuardNoBusDoesNotAutolaunch(t *testing.T) {
	path, marker := fakeDBusLaunch(t)
	for _, tc := range []struct{ name, extra string }{
		{"best available", ""},
		{"secret-service asked", "CREDO_BACKEND=secret-service"},
		{"autolaunch address", "DBUS_SESSION_BUS_ADDRESS=autolaunch:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := guardEnv(t, path, helperEnv+"=guard")
			if tc.extra != "" {
				env = append(env, tc.extra)
			}
			out, _ := runGuarded(t, os.Args[0], env)
			assertNotRan(t, marker)
			if !strings.Contains(out, "disabled=true") || usesBus(out) {
				t.Fatalf("report:\n%s", out)
			}
			if !strings.Contains(out, "during="+dbusguard.DeadAddress) {
				t.Fatalf("report:\n%s", out)
			}
			want := "restored DBUS_SESSION_BUS_ADDRESS=false:"
			if tc.extra == "DBUS_SESSION_BUS_ADDRESS=autolaunch:" {
				want = "restored DBUS_SESSION_BUS_ADDRESS=true:autolaunch:"
			}
			if !strings.Contains(out, want) || !strings.Contains(out, "restored DISABLE_KWALLET=false:") {
				t.Fatalf("environment not restored exactly, want %q:\n%s", want, out)
			}
		})
	}
}

// TestGuardControlWithoutGuard proves the test above would catch a missing
// guard: the same environment makes a binary without the guard spawn the
// fake dbus-launch.
func TestGuardControlWithoutGuard(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "noguard")
	build := exec.Command("go", "build", "-o", bin, "./testdata/noguard")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	path, marker := fakeDBusLaunch(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = guardEnv(t, path)
	killGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(9 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the unguarded binary did not run dbus-launch; the guard test proves nothing here")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
}

// killGroup starts cmd in its own process group and makes cancelling it
// kill the whole group, so that a fake dbus-launch it spawned goes too.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
}

func TestGuardInitRunsBeforeKeyring(t *testing.T) {
	path, _ := fakeDBusLaunch(t)
	_, stderr := runGuarded(t, os.Args[0], guardEnv(t, path, helperEnv+"=guard", "GODEBUG=inittrace=1"))
	guard, kr := -1, -1
	for i, line := range strings.Split(stderr, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "init" {
			continue
		}
		switch f[1] {
		case "github.com/credo-cli/credo/pkg/keystore/dbusguard":
			guard = i
		case "github.com/99designs/keyring":
			kr = i
		}
	}
	if guard < 0 || kr < 0 || guard > kr {
		t.Fatalf("init order: dbusguard at %d, keyring at %d (want dbusguard first)\n%s", guard, kr, stderr)
	}
}

func TestGuardBackendNotUsingDBus(t *testing.T) {
	// A live bus: the guard must still keep keyring away from it when the
	// backend does not need it, and Restore must give the address back.
	home := t.TempDir()
	var addr string
	for _, kv := range testsvc.SecretService(t, home) {
		if v, ok := strings.CutPrefix(kv, "DBUS_SESSION_BUS_ADDRESS="); ok {
			addr = v
		}
	}
	path, marker := fakeDBusLaunch(t)
	settings := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(settings, []byte("prompt: terminal\nbackend: \"file\"  # fast\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	xdg := t.TempDir()
	if err := os.MkdirAll(filepath.Join(xdg, "credo"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(xdg, "credo", "config.yaml"), []byte("backend: pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		extra []string
	}{
		{"env", nil, []string{"CREDO_BACKEND=file"}},
		{"flag", []string{"list", "--backend", "keyctl"}, nil},
		{"flag=", []string{"--backend=pass", "list"}, []string{"CREDO_BACKEND=secret-service"}},
		{"settings via CREDO_CONFIG", nil, []string{"CREDO_CONFIG=" + settings}},
		{"settings via --config", []string{"--config", settings, "list"}, nil},
		{"settings in XDG_CONFIG_HOME", nil, []string{"XDG_CONFIG_HOME=" + xdg}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := guardEnv(t, path, append([]string{helperEnv + "=guard", "DBUS_SESSION_BUS_ADDRESS=" + addr, "DISABLE_KWALLET=0"}, tc.extra...)...)
			out, _ := runGuarded(t, os.Args[0], env, tc.args...)
			assertNotRan(t, marker)
			if !strings.Contains(out, "disabled=true") || usesBus(out) {
				t.Fatalf("report:\n%s", out)
			}
			if !strings.Contains(out, "restored DBUS_SESSION_BUS_ADDRESS=true:"+addr+"\n") || !strings.Contains(out, "restored DISABLE_KWALLET=true:0\n") {
				t.Fatalf("environment not restored:\n%s", out)
			}
		})
	}
	// The live bus is used when the backend may need it.
	env := guardEnv(t, path, helperEnv+"=guard", "DBUS_SESSION_BUS_ADDRESS="+addr)
	out, _ := runGuarded(t, os.Args[0], env, "--backend", "secret-service")
	if !strings.Contains(out, "disabled=false") || !usesBus(out) || !strings.Contains(out, "during="+addr) {
		t.Fatalf("report:\n%s", out)
	}
}
