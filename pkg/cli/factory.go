package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"unicode/utf8"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/memstore"
	"github.com/credo-cli/credo/pkg/prompt"
	"github.com/credo-cli/credo/pkg/settings"
	"github.com/credo-cli/credo/pkg/xdg"
)

// Factory hands commands what they need, lazily, so that a command never
// opens the keyring or reads a file it does not use.
type Factory struct {
	env      *Env
	settings *settings.Settings
	log      *slog.Logger

	noticeOnce sync.Once
	notice     *noticeWriter

	stdinCodeOnce sync.Once
	stdinCodeVal  string
	stdinCodeErr  error

	storeOnce sync.Once
	store     keystore.Store
	storeErr  error
}

// NewFactory returns a Factory for one invocation.
func NewFactory(env *Env) *Factory {
	return &Factory{env: env, log: slog.New(slog.DiscardHandler), settings: settings.Defaults()}
}

func (f *Factory) home() string { return xdg.Home(f.env.Getenv) }

// ConfigFiles names the AWS config and credentials files.
func (f *Factory) ConfigFiles() config.Files {
	return config.DefaultFiles(f.env.Getenv, f.home())
}

// Config reads the AWS config and credentials files.
func (f *Factory) Config() (*config.Config, error) {
	return config.Load(f.ConfigFiles())
}

// lazyConfig reads the AWS files checking only the profiles a Chain
// reaches; commands that follow chains use it.
func (f *Factory) lazyConfig() (*config.Config, error) {
	return config.LoadLazily(f.ConfigFiles())
}

// Store opens the keyring store once per process.
func (f *Factory) Store() (keystore.Store, error) {
	f.storeOnce.Do(func() {
		s := f.settings
		mem := &memstore.Store{CreateLock: f.fileLock(context.Background())}
		var sessionMemory keystore.SessionMemory
		if s.SessionMemory {
			sessionMemory = mem
		}
		dir := keystore.FileDir(s.FileDir, f.env.Getenv)
		f.store, f.storeErr = keystore.Open(keystore.Config{
			Backend:                 s.Backend,
			FileDir:                 dir,
			FilePassphrase:          f.filePassphrase,
			FilePassphraseTries:     f.passphraseTries(),
			PassDir:                 s.PassDir,
			PassCmd:                 s.PassCmd,
			PassPrefix:              s.PassPrefix,
			SecretServiceCollection: s.SecretServiceCollection,
			KeychainName:            s.KeychainName,
			ServiceName:             "credo",
			Getenv:                  f.env.Getenv,
			Now:                     f.env.Now,
			Logger:                  f.log,
			Memory:                  sessionMemory,
			MemoryNamespace:         memstore.StoreNamespace(s, f.env.Getenv),
			UnlockCache:             mem,
			UnlockTimeout:           s.UnlockTimeout,
			SingleFlight:            f.fileLock(context.Background()),
		})
		if f.storeErr == nil {
			f.log.Debug("keyring opened", "backend", f.store.Backend())
		}
	})
	return f.store, f.storeErr
}

// filePassphrase returns CREDO_FILE_PASSPHRASE, else asks on the terminal:
// twice for a new keyring, and again after a wrong answer (the keystore
// decides, up to filePassphraseTries times). A new passphrase shorter than
// minPassphrase characters gets a warning.
func (f *Factory) filePassphrase(req keystore.PassphraseRequest) (string, error) {
	if p := f.env.Getenv("CREDO_FILE_PASSPHRASE"); p != "" {
		f.warnShortPassphrase(req, p)
		return p, nil
	}
	question := "Passphrase for the credo file keyring: "
	switch {
	case req.Retry:
		question = "Wrong passphrase; try again: "
	case req.New:
		question = "New passphrase for the credo file keyring " + req.Dir + ": "
	}
	for range filePassphraseTries {
		p, err := f.askSecret(question)
		if err != nil {
			// The keystore names the keyring and the passphrase around it.
			return "", hint.Wrap(err, "set CREDO_FILE_PASSPHRASE, run credo from a terminal, or choose a dialog with CREDO_PROMPT (zenity, kdialog, osascript)")
		}
		if !req.New {
			return p, nil
		}
		if p == "" {
			question = "The passphrase must not be empty; new passphrase: "
			continue
		}
		again, err := f.askSecret("Repeat the passphrase: ")
		if err != nil {
			return "", err
		}
		if again == p {
			f.warnShortPassphrase(req, p)
			return p, nil
		}
		question = "The two did not match; new passphrase: "
	}
	return "", errors.New("the passphrases did not match")
}

// askSecret asks on the terminal, else, where there is none (a
// credential_process started by a desktop application), through the prompt
// setting's dialog when it names one.
func (f *Factory) askSecret(question string) (string, error) {
	p, err := readSecretFromTTY(question)
	if errors.Is(err, errNoTTY) && prompt.IsDialog(f.settings.Prompt) {
		return prompt.Secret(context.Background(), prompt.Options{Driver: f.settings.Prompt}, question)
	}
	return p, err
}

// filePassphraseTries is how often a passphrase is asked on a terminal.
const filePassphraseTries = 3

// minPassphrase is the length under which a new passphrase gets a warning.
const minPassphrase = 12

func (f *Factory) warnShortPassphrase(req keystore.PassphraseRequest, p string) {
	if req.New && utf8.RuneCountInString(p) < minPassphrase {
		fmt.Fprintf(f.notices(), "credo: warning: the new keyring's passphrase has fewer than %d characters; anyone with a copy of %s can guess a short one\n", minPassphrase, req.Dir)
	}
}

// passphraseTries is 1 for a passphrase from the environment (it cannot
// change), else filePassphraseTries.
func (f *Factory) passphraseTries() int {
	if f.env.Getenv("CREDO_FILE_PASSPHRASE") != "" {
		return 1
	}
	return filePassphraseTries
}

// Prompter returns the MFA prompt driver chosen by the settings.
func (f *Factory) Prompter(ykmanAccount string) (prompt.Prompter, error) {
	return prompt.New(prompt.Options{Driver: f.settings.Prompt, YkmanAccount: ykmanAccount})
}

// notices is where progress notices go; see noticeWriter.
func (f *Factory) notices() *noticeWriter {
	f.noticeOnce.Do(func() {
		f.notice = &noticeWriter{stderr: f.env.IO.ErrOut, stderrTTY: f.env.IO.IsStderrTTY()}
	})
	return f.notice
}
