package cli

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/prompt"
	"github.com/credo-cli/credo/pkg/settings"
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

func (f *Factory) home() string {
	if h := f.env.Getenv("HOME"); h != "" {
		return h
	}
	return f.env.Getenv("USERPROFILE")
}

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
		dir := s.FileDir
		if dir == "" {
			dir = keystore.DefaultFileDir(f.env.Getenv)
		}
		f.store, f.storeErr = keystore.Open(keystore.Config{
			Backend:                 s.Backend,
			FileDir:                 dir,
			FilePassphrase:          f.filePassphrase,
			PassDir:                 s.PassDir,
			PassCmd:                 s.PassCmd,
			PassPrefix:              s.PassPrefix,
			SecretServiceCollection: s.SecretServiceCollection,
			KeychainName:            s.KeychainName,
			ServiceName:             "credo",
			Getenv:                  f.env.Getenv,
			Now:                     f.env.Now,
			Logger:                  f.log,
		})
		if f.storeErr == nil {
			f.log.Debug("keyring opened", "backend", f.store.Backend())
		}
	})
	return f.store, f.storeErr
}

// filePassphrase returns CREDO_FILE_PASSPHRASE, else asks on the terminal.
// The keystore calls it at most once per process.
func (f *Factory) filePassphrase() (string, error) {
	if p := f.env.Getenv("CREDO_FILE_PASSPHRASE"); p != "" {
		return p, nil
	}
	p, err := readSecretFromTTY("Passphrase for the credo file keyring: ")
	if err != nil {
		return "", hint.Wrap(fmt.Errorf("file keyring passphrase: %w", err), "set CREDO_FILE_PASSPHRASE or run credo from a terminal")
	}
	return p, nil
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
