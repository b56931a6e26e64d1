package main

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/credo-cli/credo/pkg/cli"
	"github.com/credo-cli/credo/pkg/front"
	"github.com/credo-cli/credo/pkg/keystore/dbusguard"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

func TestMain(m *testing.M) {
	// A program built with -race sleeps a second at exit (the race
	// detector's atexit_sleep_ms), and these tests start hundreds of them:
	// credo, credo-core and the helpers are this binary. Races are still
	// reported, and still fail the command (exit 66). testscript passes
	// GORACE on to the scripts; the tests that build an environment of
	// their own add raceEnv().
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	// Every process of these tests shares one session keyring, as the
	// processes of one login do, and shares it with nothing else.
	testsvc.OwnSessionKeyring()
	testscript.Main(m, map[string]func(){
		// The real front links no D-Bus guard (TestLean), but this test
		// binary does, through pkg/cli: put back what the guard's init
		// changed, or the front would hand its placeholder address to the
		// command it runs and to credo-core, which would then take it for
		// the user's own.
		"credo": func() {
			dbusguard.Restore()
			os.Exit(front.Main(os.Args[1:]))
		},
		"credo-core": func() { os.Exit(cli.Main(os.Args[1:])) },
		// A stand-in for aws-vault's `add`: writes items the way aws-vault
		// does, through the keyring library (awsvault_import_test.go).
		"awsvault-write": func() { os.Exit(awsVaultWrite(os.Args[1:])) },
		// Says whether the process possesses credo's keyring in memory
		// (unlock_test.go).
		"memory-peek": memoryPeek,
	})
}

// raceEnv is the GORACE setting for an environment a test builds itself.
func raceEnv() string { return "GORACE=" + os.Getenv("GORACE") }

// TestScript runs the scenarios in testdata/script. Each gets its own HOME,
// AWS config files and file keyring under $WORK, and nothing that could
// reach the network.
func TestScript(t *testing.T) {
	testscript.Run(t, scriptParams(filepath.Join("testdata", "script")))
}

// scriptParams are the testscript parameters of the scripts in dir: the
// commands of the fakes, and a Setup that gives each script its own HOME.
func scriptParams(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"fakests":        cmdFakeSTS,
			"sts-calls":      cmdSTSCalls,
			"sts-last":       cmdSTSLast,
			"sts-signed":     cmdSTSSigned,
			"sts-fail":       cmdSTSFail,
			"sts-revoke":     cmdSTSRevoke,
			"sts-root":       cmdSTSRoot,
			"sts-clock":      cmdSTSClock,
			"moto":           cmdMoto,
			"need":           cmdNeed,
			"moto-calls":     cmdMotoCalls,
			"fakefederation": cmdFakeFederation,
			"fakesso":        cmdFakeSSO,
			"sso":            cmdSSO,
		},
		Setup: func(env *testscript.Env) error {
			env.Values[fakeKey{}] = &holder{}
			env.Values[scriptTKey{}] = env.T()
			work := env.WorkDir
			env.Setenv("HOME", work+"/home")
			env.Setenv("XDG_CONFIG_HOME", work+"/home/.config")
			env.Setenv("XDG_DATA_HOME", work+"/home/.local/share")
			env.Setenv("XDG_STATE_HOME", work+"/home/.local/state")
			env.Setenv("XDG_RUNTIME_DIR", work+"/run")
			env.Setenv("AWS_CONFIG_FILE", work+"/home/.aws/config")
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", work+"/home/.aws/credentials")
			env.Setenv("CREDO_BACKEND", "file")
			env.Setenv("CREDO_FILE_DIR", work+"/keyring")
			env.Setenv("CREDO_FILE_PASSPHRASE", "test passphrase")
			env.Setenv("HTTPS_PROXY", "http://127.0.0.1:9")
			env.Setenv("HTTP_PROXY", "http://127.0.0.1:9")
			env.Setenv("NO_PROXY", "127.0.0.1,localhost")
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			for _, d := range []string{"home/.aws", "run"} {
				if err := os.MkdirAll(filepath.Join(work, d), 0o700); err != nil {
					return err
				}
			}
			return cheapKeyring(filepath.Join(work, "keyring"), "test passphrase")
		},
	}
}

// cheapKeyring makes the file keyring folder dir with a version 2 header
// whose key derivation is cheap, so that the tests' many processes do not
// each pay the default's (most of a second); a real keyring gets
// filefast.DefaultKDF.
func cheapKeyring(dir, passphrase string) error {
	hdr, _, err := filefast.NewHeader(passphrase, filefast.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, rand.Reader)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, filefast.HeaderFile), hdr.Marshal(), 0o600)
}
