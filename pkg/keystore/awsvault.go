package keystore

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/99designs/keyring"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
)

// aws-vault's keyring, as aws-vault 7.2.0 (99designs) and 7.13 (ByteNess)
// write it, read through the same keyring library (whose file backend
// writes the JWE files aws-vault's does):
//
//   - service name "aws-vault": the keyctl keyring's name, the pass and
//     file backends' folders aside; secret-service collection "awsvault",
//     keychain "aws-vault", file folder ~/.awsvault/keys;
//   - one item per profile with long-term keys, named by the profile, whose
//     data is the JSON of the AWS SDK's credentials
//     ({"AccessKeyID":…,"SecretAccessKey":…,"SessionToken":…,…});
//   - cached sessions under names such as
//     "sts.GetSessionToken,<base64url profile>,<base64url serial>,<unix expiry>"
//     (and older "session,…", "session:…:…:…", "NAME session (N)" names),
//     SSO tokens under "oidc:<start URL>". Those are never imported.
//
// Nothing here writes to aws-vault's keyring.

// AWSVaultConfig says where aws-vault keeps its items. Empty fields take
// aws-vault's defaults; the command layer fills them from its flags and
// aws-vault's AWS_VAULT_* variables.
type AWSVaultConfig struct {
	// Backend is the backend aws-vault uses; "" means aws-vault's choice
	// (see AWSVaultOrder).
	Backend string
	// FileDir is the file backend's folder; default ~/.awsvault/keys.
	FileDir string
	// FilePassphrase returns the file backend's passphrase; it is called
	// once, at the first item read.
	FilePassphrase func() (string, error)
	// PassDir, PassCmd and PassPrefix configure the pass backend (PassDir
	// defaults to $PASSWORD_STORE_DIR, else ~/.password-store).
	PassDir, PassCmd, PassPrefix string
	// SecretServiceCollection defaults to "awsvault".
	SecretServiceCollection string
	// KeychainName defaults to "aws-vault".
	KeychainName string
	// KeyctlScope is the kernel keyring that holds the "aws-vault" keyring:
	// user (default), usersession, session, process or thread.
	KeyctlScope string
	// Getenv reads HOME and PASSWORD_STORE_DIR; nil reads nothing.
	Getenv func(string) string
}

// AWSVaultStore reads the long-term keys aws-vault stored.
type AWSVaultStore struct {
	backend string
	where   string // the backend and its place, for messages
	kr      keyring.Keyring
	// filePath and filePass are the file backend's item files and
	// passphrase (nil for the other backends).
	filePath func(name string) string
	filePass func() (string, error)
}

// AWSVaultOrder is the order in which aws-vault's keyring library lists the
// backends it was built with; aws-vault uses the first one available on
// the machine unless told otherwise. keyctl comes before pass and file, but
// aws-vault cannot open it (it sets no keyctl scope), so an aws-vault that
// fell on it failed and its user chose another backend.
func AWSVaultOrder(goos string) []string {
	switch goos {
	case "windows":
		return []string{BackendWinCred, BackendFile}
	case "darwin":
		return []string{BackendKeychain, BackendPass, BackendFile}
	}
	return []string{BackendSecretService, BackendKWallet, BackendPass, BackendFile}
}

// OpenAWSVault opens aws-vault's keyring. With cfg.Backend empty it looks
// in AWSVaultOrder's backends that are available here and takes the first
// that holds aws-vault keys, so that someone who always typed
// `aws-vault --backend file` is found as well as someone who set
// AWS_VAULT_BACKEND.
func OpenAWSVault(cfg AWSVaultConfig) (*AWSVaultStore, error) {
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	if cfg.Backend != "" {
		if err := CheckAWSVaultBackend(cfg.Backend); err != nil {
			return nil, err
		}
		return openAWSVault(cfg, cfg.Backend)
	}
	var looked []string
	for _, b := range AWSVaultOrder(runtime.GOOS) {
		if !available(b) {
			continue
		}
		if b == BackendPass && !dirHas(passDir(awsVaultPassConfig(cfg)), ".gpg-id") {
			continue
		}
		s, err := openAWSVault(cfg, b)
		if err != nil {
			looked = append(looked, b+" ("+firstLineOf(err.Error())+")")
			continue
		}
		looked = append(looked, s.where)
		if names, err := s.Profiles(); err == nil && len(names) > 0 {
			return s, nil
		}
	}
	return nil, hint.New("no aws-vault keys found; looked in: "+strings.Join(looked, ", "),
		"name aws-vault's backend with --from-backend (or AWS_VAULT_BACKEND) and its place with --file-dir, --pass-dir, …")
}

// CheckAWSVaultBackend returns an error, with a hint, when credo cannot
// read aws-vault's backend b (one of aws-vault's that credo has not, such as
// ByteNess's op, or no backend at all).
func CheckAWSVaultBackend(b string) error {
	if slices.Contains(Backends(), b) {
		return nil
	}
	return hint.Wrap(fmt.Errorf("aws-vault's backend %q: credo cannot read it", b),
		"credo reads aws-vault's "+strings.Join(Backends(), ", ")+" backends; copy the keys with credo add")
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func dirHas(dir, name string) bool {
	if dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

func awsVaultPassConfig(cfg AWSVaultConfig) Config {
	return Config{PassDir: cfg.PassDir, Getenv: cfg.Getenv}
}

func openAWSVault(cfg AWSVaultConfig, b string) (*AWSVaultStore, error) {
	if !available(b) {
		return nil, fmt.Errorf("aws-vault's %s keyring: %w", b, notAvailable(b))
	}
	kc := keyring.Config{
		AllowedBackends: []keyring.BackendType{keyring.BackendType(b)},
		ServiceName:     "aws-vault",
	}
	where := b
	var filePath func(string) string
	var filePass func() (string, error)
	switch b {
	case BackendFile:
		dir := cfg.FileDir
		if dir == "" {
			home := cfg.Getenv("HOME")
			if home == "" {
				return nil, hint.New("aws-vault's file keyring: no folder (HOME is not set)", "name it with --file-dir or AWS_VAULT_FILE_DIR")
			}
			dir = filepath.Join(home, ".awsvault", "keys")
		} else if strings.HasPrefix(dir, "~/") {
			dir = filepath.Join(cfg.Getenv("HOME"), dir[2:])
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, hint.New(fmt.Sprintf("aws-vault's file keyring %s: no such folder", dir), "name it with --file-dir or AWS_VAULT_FILE_DIR")
		}
		where = "file keyring " + dir
		// The library asks once and keeps the answer; a failing function
		// is asked again at the next read, so ask at most once here.
		var asked bool
		var pass string
		var perr error
		kc.FileDir = dir
		filePath = func(name string) string { return filepath.Join(dir, filefast.FileName(name)) }
		filePass = func() (string, error) {
			if !asked {
				asked = true
				if cfg.FilePassphrase == nil {
					perr = hint.New(fmt.Sprintf("aws-vault's %s: no passphrase", where), "set AWS_VAULT_FILE_PASSPHRASE or run credo on a terminal")
				} else if pass, perr = cfg.FilePassphrase(); perr != nil {
					perr = &passphraseError{fmt.Errorf("aws-vault's %s: passphrase: %w", where, perr)}
				}
			}
			return pass, perr
		}
		kc.FilePasswordFunc = func(string) (string, error) { return filePass() }
	case BackendPass:
		dir := passDir(awsVaultPassConfig(cfg))
		if !dirHas(dir, ".gpg-id") {
			return nil, hint.New(fmt.Sprintf("aws-vault's pass keyring %s: no password store there", dir), "name it with --pass-dir or AWS_VAULT_PASS_PASSWORD_STORE_DIR")
		}
		kc.PassDir, kc.PassCmd, kc.PassPrefix = dir, cfg.PassCmd, cfg.PassPrefix
		where = "pass keyring " + filepath.Join(dir, cfg.PassPrefix)
	case BackendSecretService:
		kc.LibSecretCollectionName = cfg.SecretServiceCollection
		if kc.LibSecretCollectionName == "" {
			kc.LibSecretCollectionName = "awsvault"
		}
		where = "secret-service collection " + kc.LibSecretCollectionName
	case BackendKWallet:
		kc.KWalletAppID, kc.KWalletFolder = "aws-vault", "aws-vault"
		where = "kwallet folder aws-vault"
	case BackendKeyctl:
		kc.KeyCtlScope = cfg.KeyctlScope
		if kc.KeyCtlScope == "" {
			kc.KeyCtlScope = "user"
		}
		where = "keyctl keyring aws-vault in the " + kc.KeyCtlScope + " keyring"
		// The library would create the keyring it opens: look first.
		has, err := keyctlHasKeyring(kc.KeyCtlScope, "aws-vault")
		if err != nil {
			return nil, fmt.Errorf("aws-vault's %s: %w", where, err)
		}
		if !has {
			return nil, hint.New(fmt.Sprintf("aws-vault's %s: no such keyring", where), "name the kernel keyring that holds it with --keyctl-scope")
		}
	case BackendKeychain:
		kc.KeychainName = cfg.KeychainName
		if kc.KeychainName == "" {
			kc.KeychainName = "aws-vault"
		}
		where = "keychain " + kc.KeychainName
	case BackendWinCred:
		kc.WinCredPrefix = "aws-vault"
		where = "wincred items aws-vault:…"
	}
	kr, err := keyring.Open(kc)
	if err != nil {
		if errors.Is(err, keyring.ErrNoAvailImpl) {
			return nil, fmt.Errorf("aws-vault's %s: cannot be opened here", where)
		}
		return nil, fmt.Errorf("aws-vault's %s: %w", where, err)
	}
	return &AWSVaultStore{backend: b, where: where, kr: kr, filePath: filePath, filePass: filePass}, nil
}

// Backend names the backend the keys are read from.
func (s *AWSVaultStore) Backend() string { return s.backend }

// Where names the backend and its place (folder, collection, keyring), for
// messages.
func (s *AWSVaultStore) Where() string { return s.where }

// Profiles lists the profiles with long-term keys in aws-vault's keyring,
// sorted: every item but cached sessions and SSO tokens. It decrypts
// nothing.
func (s *AWSVaultStore) Profiles() ([]string, error) {
	names, err := s.kr.Keys()
	if err != nil {
		return nil, fmt.Errorf("aws-vault's %s: listing items: %w", s.where, err)
	}
	var out []string
	for _, n := range names {
		if !IsAWSVaultSessionName(n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

var (
	// aws-vault 6 and 7: TYPE,BASE64(profile),BASE64(serial),EXPIRY.
	awsVaultSession = regexp.MustCompile(`^[^,]+,[^,]+,[^,]*,[0-9]+$`)
	// Names older aws-vault versions used for sessions.
	awsVaultOldSessions = []*regexp.Regexp{
		regexp.MustCompile(`^session,[^,]+,[^,]*,[0-9]{2,}$`),
		regexp.MustCompile(`^session:[^ ]+:[^ ]*:[^:]+$`),
		regexp.MustCompile(`^.+? session \(\d+\)$`),
	}
	b64url = base64.URLEncoding.WithPadding(base64.NoPadding)
)

// IsAWSVaultSessionName reports whether an item name of aws-vault's keyring
// is a cached session or an SSO token rather than a profile's keys.
func IsAWSVaultSessionName(name string) bool {
	if strings.HasPrefix(name, "oidc:") {
		return true
	}
	if awsVaultSession.MatchString(name) {
		parts := strings.Split(name, ",")
		_, e1 := b64url.DecodeString(parts[1])
		_, e2 := b64url.DecodeString(parts[2])
		if e1 == nil && e2 == nil {
			return true
		}
	}
	for _, re := range awsVaultOldSessions {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

// awsVaultCredentials is the JSON aws-vault stores: the AWS SDK's
// credentials struct, field names as Go spells them (encoding/json matches
// them without regard to case, as aws-vault's own reader does).
type awsVaultCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// ErrAWSVaultTemporary is returned (wrapped) for an item that holds
// temporary credentials (with a session token), which are no long-term keys.
var ErrAWSVaultTemporary = errors.New("holds temporary credentials (a session token), not long-term keys")

// Key reads the long-term key aws-vault stored for profile. Errors name
// the profile and the keyring; a wrong file passphrase is ErrWrongPassphrase,
// an item that is not aws-vault's JSON ErrCorrupt.
func (s *AWSVaultStore) Key(profile string) (LongTermKey, error) {
	it, err := s.kr.Get(profile)
	if err != nil {
		var syntaxErr *json.SyntaxError
		switch {
		case errors.Is(err, keyring.ErrKeyNotFound):
			return LongTermKey{}, fmt.Errorf("profile %q: no keys in aws-vault's %s: %w", profile, s.where, ErrNotFound)
		case hint.Of(err) != "" || errors.As(err, new(*passphraseError)):
			return LongTermKey{}, err
		case s.filePath != nil && keyUnwrapFails(s.filePath(profile), s.filePass):
			return LongTermKey{}, hint.Wrap(fmt.Errorf("profile %q: the passphrase does not open aws-vault's %s: %w", profile, s.where, ErrWrongPassphrase),
				"give aws-vault's passphrase (AWS_VAULT_FILE_PASSPHRASE, or at the prompt)")
		case s.backend == BackendFile && errors.As(err, &syntaxErr):
			return LongTermKey{}, fmt.Errorf("profile %q: aws-vault's item in %s: %w (not an item of the file keyring)", profile, s.where, ErrCorrupt)
		case s.backend == BackendFile && !isPathError(err):
			return LongTermKey{}, fmt.Errorf("profile %q: aws-vault's item in %s: %w (not valid encrypted data)", profile, s.where, ErrCorrupt)
		}
		return LongTermKey{}, fmt.Errorf("profile %q: reading aws-vault's %s: %w", profile, s.where, err)
	}
	var c awsVaultCredentials
	if err := json.Unmarshal(it.Data, &c); err != nil {
		return LongTermKey{}, fmt.Errorf("profile %q: aws-vault's item in %s: %w (not the JSON of AWS credentials)", profile, s.where, ErrCorrupt)
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return LongTermKey{}, fmt.Errorf("profile %q: aws-vault's item in %s: %w (no access key id or secret)", profile, s.where, ErrCorrupt)
	}
	if c.SessionToken != "" {
		return LongTermKey{}, fmt.Errorf("profile %q: aws-vault's item %w", profile, ErrAWSVaultTemporary)
	}
	return LongTermKey{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
}

func isPathError(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe)
}
