package dbusguard

import (
	"os"
	"testing"
)

func TestDecide(t *testing.T) {
	settings := map[string]string{
		"/cfg/credo.yaml":                   "# settings\nprompt: ykman\nbackend: 'keyctl' # comment\n",
		"/xdg/credo/config.yaml":            "backend: secret-service\n",
		"/home/u/.config/credo/config.yaml": "backend: file\n",
		"/cfg/nested.yaml":                  "other:\n  backend: file\n",
	}
	read := func(p string) ([]byte, error) {
		if s, ok := settings[p]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}
	for _, tc := range []struct {
		name        string
		args        []string
		env         map[string]string
		sockets     []string
		wantBackend string
		wantOff     bool
	}{
		{name: "nothing set, no bus", wantOff: true},
		{name: "nothing set, bus address", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}},
		{name: "autolaunch address counts as unset", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, wantOff: true},
		{name: "runtime dir socket", env: map[string]string{"XDG_RUNTIME_DIR": "/run/x"}, sockets: []string{"/run/x/bus"}},
		{name: "flag file", args: []string{"export", "--backend", "file", "dev"}, env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "file", wantOff: true},
		{name: "flag= wins over env", args: []string{"--backend=pass"}, env: map[string]string{"CREDO_BACKEND": "secret-service", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "pass", wantOff: true},
		{name: "last flag wins", args: []string{"--backend=file", "--backend", "kwallet"}, env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "kwallet"},
		{name: "flags after -- belong to the child", args: []string{"exec", "dev", "--", "tool", "--backend", "file"}, env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}},
		{name: "flags after exec's command belong to it", args: []string{"exec", "dev", "tool", "--backend", "file"}, env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}},
		{name: "a global before the command", args: []string{"--backend", "file", "exec", "-d", "1h", "dev", "tool"}, env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "file", wantOff: true},
		{name: "a flag's value is not the backend", args: []string{"exec", "--mfa-token", "--backend", "dev"}, env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}},
		{name: "env wins over settings", env: map[string]string{"CREDO_BACKEND": "secret-service", "CREDO_CONFIG": "/cfg/credo.yaml", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "secret-service"},
		{name: "secret-service without bus", env: map[string]string{"CREDO_BACKEND": "secret-service"}, wantBackend: "secret-service", wantOff: true},
		{name: "settings via CREDO_CONFIG", env: map[string]string{"CREDO_CONFIG": "/cfg/credo.yaml", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "keyctl", wantOff: true},
		{name: "--config wins over CREDO_CONFIG", args: []string{"--config=/xdg/credo/config.yaml"}, env: map[string]string{"CREDO_CONFIG": "/cfg/credo.yaml", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "secret-service"},
		{name: "settings in XDG_CONFIG_HOME", env: map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "secret-service"},
		{name: "settings in ~/.config", env: map[string]string{"HOME": "/home/u", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "file", wantOff: true},
		{name: "indented backend is not top level", env: map[string]string{"CREDO_CONFIG": "/cfg/nested.yaml", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}},
		{name: "missing settings file", env: map[string]string{"CREDO_CONFIG": "/nope.yaml"}, wantOff: true},
		{name: "import aws-vault from secret-service keeps the bus for a file credo", args: []string{"import", "aws-vault", "--from-backend", "secret-service"}, env: map[string]string{"CREDO_BACKEND": "file", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "file"},
		{name: "import aws-vault with AWS_VAULT_BACKEND unset may need the bus", args: []string{"import", "aws-vault"}, env: map[string]string{"CREDO_BACKEND": "file", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "file"},
		{name: "import aws-vault from AWS_VAULT_BACKEND=file", args: []string{"import", "aws-vault"}, env: map[string]string{"CREDO_BACKEND": "file", "AWS_VAULT_BACKEND": "file", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "file", wantOff: true},
		{name: "import aws-vault after -- is a child's", args: []string{"exec", "dev", "--", "credo", "import", "aws-vault"}, env: map[string]string{"CREDO_BACKEND": "file", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, wantBackend: "file", wantOff: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			exists := func(p string) bool {
				for _, s := range tc.sockets {
					if s == p {
						return true
					}
				}
				return false
			}
			got := Decide(tc.args, lookup, exists, read)
			if got.Backend != tc.wantBackend || got.Disabled != tc.wantOff {
				t.Fatalf("Decide = %+v, want backend %q disabled %v", got, tc.wantBackend, tc.wantOff)
			}
			if got.Reason == "" {
				t.Error("no reason")
			}
		})
	}
}

func TestRestorePutsEnvironmentBackExactly(t *testing.T) {
	t.Setenv(busEnv, "changed")
	t.Setenv(kwalletEnv, "changed")
	old := saved
	t.Cleanup(func() { saved = old })

	saved = []savedVar{{name: busEnv, value: "unix:path=/orig", set: true}, {name: kwalletEnv}}
	Restore()
	if v, ok := os.LookupEnv(busEnv); !ok || v != "unix:path=/orig" {
		t.Errorf("%s = %q, %v", busEnv, v, ok)
	}
	if v, ok := os.LookupEnv(kwalletEnv); ok {
		t.Errorf("%s = %q, want unset", kwalletEnv, v)
	}

	saved = []savedVar{{name: busEnv, value: "", set: true}, {name: kwalletEnv, value: "1", set: true}}
	Restore()
	if v, ok := os.LookupEnv(busEnv); !ok || v != "" {
		t.Errorf("%s = %q, %v; want set and empty", busEnv, v, ok)
	}
	if v := os.Getenv(kwalletEnv); v != "1" {
		t.Errorf("%s = %q", kwalletEnv, v)
	}
}

func TestNeedsBus(t *testing.T) {
	for b, want := range map[string]bool{"": true, "secret-service": true, "kwallet": true, "file": false, "pass": false, "keyctl": false, "keychain": false, "wincred": false} {
		if NeedsBus(b) != want {
			t.Errorf("NeedsBus(%q) = %v", b, !want)
		}
	}
}
