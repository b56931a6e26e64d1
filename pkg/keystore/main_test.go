package keystore

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore/dbusguard"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// helperEnv switches the test binary into a helper process (see TestMain):
// a writer for the crash tests, or the store exercise run on a backend whose
// set-up (a D-Bus session bus, a keyctl session) must exist at process start.
const helperEnv = "CREDO_KEYSTORE_TEST_HELPER"

func TestMain(m *testing.M) {
	testsvc.OwnSessionKeyring()
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "writer":
		os.Exit(runWriter())
	case "exercise":
		os.Exit(runExercise())
	case "guard":
		os.Exit(runGuardReport())
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", os.Getenv(helperEnv))
		os.Exit(3)
	}
}

// helperCmd re-executes the test binary as a helper.
func helperCmd(t *testing.T, mode string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// helperConfig builds a Config from the helper's environment (only helpers
// and tests read the environment).
func helperConfig() Config {
	pass := os.Getenv("TEST_FILE_PASSPHRASE")
	return Config{
		Backend:        os.Getenv("TEST_BACKEND"),
		FileDir:        os.Getenv("TEST_FILE_DIR"),
		FilePassphrase: FixedPassphrase(pass), FileKDF: cheapKDF,
		PassDir:                 os.Getenv("TEST_PASS_DIR"),
		SecretServiceCollection: os.Getenv("TEST_COLLECTION"),
		KeyctlScope:             os.Getenv("TEST_KEYCTL_SCOPE"),
		Getenv:                  os.Getenv,
	}
}

func runExercise() int {
	s, err := Open(helperConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	secret := os.Getenv("TEST_SECRET")
	_ = s.RemoveKey("kept")
	if err := exercise(s, secret); err != nil {
		fmt.Fprintln(os.Stderr, "exercise:", err)
		if h := hint.Of(err); h != "" {
			fmt.Fprintln(os.Stderr, "hint:", h)
		}
		return 1
	}
	// Leave one key stored, so that the caller's search of the disk for
	// the secret means something.
	if err := s.SetKey("kept", LongTermKey{AccessKeyID: "AKIAEXERCISEEXAMPLE3", SecretAccessKey: secret}); err != nil {
		fmt.Fprintln(os.Stderr, "kept:", err)
		return 1
	}
	if k, err := s.GetKey("kept"); err != nil || k.SecretAccessKey != secret {
		fmt.Fprintln(os.Stderr, "kept:", err)
		return 1
	}
	fmt.Println("ok", s.Backend())
	return 0
}

// exercise runs every store operation on s and checks the results. secret
// is the secret access key it stores (the caller later searches the disk
// for it).
func exercise(s Store, secret string) error {
	const profile = "team/dev ops;%x"
	key := LongTermKey{AccessKeyID: "AKIAEXERCISEEXAMPLE1", SecretAccessKey: secret, Added: time.Unix(1700000000, 0).UTC()}
	if err := s.SetKey(profile, key); err != nil {
		return err
	}
	if err := s.SetKey("plain", LongTermKey{AccessKeyID: "AKIAEXERCISEEXAMPLE2", SecretAccessKey: "other-" + secret}); err != nil {
		return err
	}
	got, err := s.GetKey(profile)
	if err != nil {
		return err
	}
	if got != key {
		return fmt.Errorf("GetKey = %+v, want %+v", got, key)
	}
	profiles, err := s.KeyProfiles()
	if err != nil {
		return err
	}
	if strings.Join(profiles, ",") != "plain,"+profile {
		return fmt.Errorf("KeyProfiles = %q", profiles)
	}
	// Overwrite.
	key.SecretAccessKey = secret + "-2"
	if err := s.SetKey(profile, key); err != nil {
		return err
	}
	if got, err := s.GetKey(profile); err != nil || got.SecretAccessKey != key.SecretAccessKey {
		return fmt.Errorf("GetKey after overwrite = %+v, %v", got, err)
	}

	now := time.Now().Truncate(time.Second)
	old := Session{AccessKeyID: "ASIAOLD", SecretAccessKey: "s-old", SessionToken: "t-old", Expiration: now.Add(30 * time.Minute)}
	newer := Session{AccessKeyID: "ASIANEW", SecretAccessKey: "s-new", SessionToken: "t-new", Expiration: now.Add(time.Hour)}
	other := Session{AccessKeyID: "ASIAOTHER", SecretAccessKey: "s-o", SessionToken: "t-o", Expiration: now.Add(2 * time.Hour)}
	if err := s.SetSession(profile, "abc123", newer); err != nil {
		return err
	}
	if err := s.SetSession(profile, "abc123", old); err != nil {
		return err
	}
	if err := s.SetSession(profile, "ffff", other); err != nil {
		return err
	}
	sess, err := s.FindSession(profile, "abc123", now)
	if err != nil {
		return err
	}
	if sess.AccessKeyID != "ASIANEW" || !sess.Expiration.Equal(newer.Expiration) {
		return fmt.Errorf("FindSession = %+v, want the newest", sess)
	}
	if _, err := s.FindSession(profile, "abc123", now.Add(2*time.Hour)); !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("FindSession past expiry: %v, want ErrNotFound", err)
	}
	if _, err := s.FindSession("plain", "abc123", now); !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("FindSession other profile: %v, want ErrNotFound", err)
	}
	refs, err := s.Sessions(profile)
	if err != nil {
		return err
	}
	if len(refs) != 3 || refs[0].Profile != profile || refs[0].CacheKey != "abc123" {
		return fmt.Errorf("Sessions = %+v", refs)
	}
	all, err := s.Sessions("")
	if err != nil || len(all) != 3 {
		return fmt.Errorf("Sessions(\"\") = %+v, %v", all, err)
	}
	for _, r := range refs {
		if err := s.RemoveSession(r); err != nil {
			return err
		}
	}
	if refs, err := s.Sessions(""); err != nil || len(refs) != 0 {
		return fmt.Errorf("Sessions after remove = %+v, %v", refs, err)
	}

	if err := s.RemoveKey(profile); err != nil {
		return err
	}
	if err := s.RemoveKey(profile); !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("second RemoveKey: %v, want ErrNotFound", err)
	}
	if _, err := s.GetKey(profile); !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("GetKey after remove: %v, want ErrNotFound", err)
	}
	if profiles, err := s.KeyProfiles(); err != nil || strings.Join(profiles, ",") != "plain" {
		return fmt.Errorf("KeyProfiles after remove = %q, %v", profiles, err)
	}
	if err := exerciseRotation(s, secret); err != nil {
		return fmt.Errorf("rotation journal: %w", err)
	}
	return s.RemoveKey("plain")
}

// exerciseRotation writes, reads, lists and removes rotation journals on s,
// next to a stored key that they must not disturb.
func exerciseRotation(st Store, secret string) error {
	s, ok := st.(RotationStore)
	if !ok {
		return fmt.Errorf("%T is not a RotationStore", st)
	}
	const profile = "team/dev ops;%x"
	if _, err := s.GetRotation(profile); !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("GetRotation before any: %v, want ErrNotFound", err)
	}
	started := time.Unix(1700000000, 0).UTC()
	r := Rotation{OldKeyID: "AKIAEXERCISEEXAMPLE1", KnownKeyIDs: []string{"AKIAEXERCISEEXAMPLE1"}, UserName: "dev", Started: started}
	if err := s.SetRotation(profile, r); err != nil {
		return err
	}
	got, err := s.GetRotation(profile)
	if err != nil {
		return err
	}
	if got.OldKeyID != r.OldKeyID || got.UserName != "dev" || !got.Started.Equal(started) || got.HasNewKey() ||
		len(got.KnownKeyIDs) != 1 || got.KnownKeyIDs[0] != r.OldKeyID {
		return fmt.Errorf("GetRotation = %+v, want %+v", got, r)
	}
	r.NewKey = LongTermKey{AccessKeyID: "AKIAEXERCISEEXAMPLE9", SecretAccessKey: "rot-" + secret}
	if err := s.SetRotation(profile, r); err != nil {
		return err
	}
	if got, err := s.GetRotation(profile); err != nil || got.NewKey != r.NewKey || !got.HasNewKey() {
		return fmt.Errorf("GetRotation after the new key = %+v, %v", got, err)
	}
	if err := s.SetRotation(profile, Rotation{OldKeyID: "AKIAEXERCISEEXAMPLE1", NewKey: LongTermKey{AccessKeyID: "AKIAX"}}); err == nil {
		return errors.New("SetRotation accepted a new key without its secret")
	}
	if err := s.SetRotation("plain", Rotation{OldKeyID: "AKIAEXERCISEEXAMPLE2"}); err != nil {
		return err
	}
	names, err := s.Rotations()
	if err != nil || strings.Join(names, ",") != "plain,"+profile {
		return fmt.Errorf("Rotations = %q, %v", names, err)
	}
	// Journals are neither keys nor sessions.
	if profiles, err := s.KeyProfiles(); err != nil || strings.Join(profiles, ",") != "plain" {
		return fmt.Errorf("KeyProfiles with journals = %q, %v", profiles, err)
	}
	if refs, err := s.Sessions(""); err != nil || len(refs) != 0 {
		return fmt.Errorf("Sessions with journals = %+v, %v", refs, err)
	}
	for _, p := range []string{profile, "plain"} {
		if err := s.RemoveRotation(p); err != nil {
			return err
		}
	}
	if err := s.RemoveRotation(profile); !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("second RemoveRotation: %v, want ErrNotFound", err)
	}
	if _, err := s.GetRotation(profile); !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("GetRotation after remove: %v, want ErrNotFound", err)
	}
	if names, err := s.Rotations(); err != nil || len(names) != 0 {
		return fmt.Errorf("Rotations after remove = %q, %v", names, err)
	}
	if k, err := s.GetKey("plain"); err != nil || k.AccessKeyID != "AKIAEXERCISEEXAMPLE2" {
		return fmt.Errorf("GetKey(plain) after journals = %+v, %v", k, err)
	}
	return nil
}

// assertSecretNowhere fails when secret appears in plain text in any file
// under root, except under the folders in except.
func assertSecretNowhere(t *testing.T, root, secret string, except ...string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil //nolint:nilerr // sockets and vanished files are fine
		}
		for _, e := range except {
			if path == e {
				return filepath.SkipDir
			}
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, []byte(secret)) {
			t.Errorf("secret found in %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// runGuardReport is the "guard" helper of guard_test.go.
func runGuardReport() int {
	d := dbusguard.Decision()
	fmt.Printf("disabled=%v backend=%s\n", d.Disabled, d.Backend)
	fmt.Printf("available=%v\n", keyring.AvailableBackends())
	fmt.Printf("during=%s\n", os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	dbusguard.Restore()
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "DISABLE_KWALLET"} {
		v, ok := os.LookupEnv(k)
		fmt.Printf("restored %s=%v:%s\n", k, ok, v)
	}
	return 0
}
