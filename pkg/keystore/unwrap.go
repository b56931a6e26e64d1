package keystore

import (
	"errors"

	"github.com/credo-cli/credo/pkg/keystore/filefast"
)

// keyUnwrapFails reports whether the file item at path has a content key
// that does not unwrap with the passphrase: a wrong passphrase or a damaged
// wrapped key. When 99designs/keyring fails to read a file item, this tells
// that cause by the key unwrap itself (filefast.KeyUnwraps), not by
// jose2go's message.
func keyUnwrapFails(path string, passphrase func() (string, error)) bool {
	pass, err := passphrase()
	if err != nil {
		return false
	}
	token, err := filefast.ReadItemFile(path)
	if err != nil {
		return false
	}
	return errors.Is(filefast.KeyUnwraps(token, pass), filefast.ErrKeyUnwrap)
}
