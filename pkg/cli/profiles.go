package cli

import (
	"errors"
	"fmt"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
)

// knownProfile returns nil when name is a profile of the AWS files, or the
// keyring holds keys or cached sessions for it. Otherwise the name is
// unknown, most likely mistyped, and every command says so the same way:
// the nearest names (or the section written without "profile") as hint.
// cfg may be nil when the files could not be read. A keyring that cannot be
// listed is left to the command, which reports it in its own words.
func knownProfile(cfg *config.Config, store keystore.Store, name string) error {
	var names []string
	if cfg != nil {
		if _, ok := cfg.Profile(name); ok {
			return nil
		}
		names = cfg.Names()
	}
	keys, err := store.KeyProfiles()
	if err != nil || contains(keys, name) {
		return nil
	}
	refs, err := store.Sessions("")
	if err != nil {
		return nil
	}
	names = append(names, keys...)
	for _, r := range refs {
		if r.Profile == name {
			return nil
		}
		names = append(names, r.Profile)
	}
	where := "the AWS config files"
	if cfg != nil {
		where = cfg.Files.ConfigPath + ", " + cfg.Files.CredentialsPath
	}
	msg := fmt.Sprintf("profile %q not found in %s or the %s keyring", name, where, store.Backend())
	h := ""
	if cfg != nil {
		h = cfg.SectionHint(name)
	}
	if h == "" {
		h = hint.DidYouMean(name, names)
	}
	if h == "" {
		h = fmt.Sprintf("run \"credo add %s\" to store its keys, or \"credo list\" to see the profiles credo knows", name)
	}
	return hint.Wrap(&unknownProfileError{msg: msg}, h)
}

// ErrUnknownProfile matches the error of a profile that is in neither AWS
// file nor the keyring.
var ErrUnknownProfile = errors.New("unknown profile")

type unknownProfileError struct{ msg string }

func (e *unknownProfileError) Error() string        { return e.msg }
func (e *unknownProfileError) Is(target error) bool { return target == ErrUnknownProfile }
