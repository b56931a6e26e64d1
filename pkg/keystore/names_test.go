package keystore

import (
	"slices"
	"testing"
)

// TestBackendNames: the constants are the names the backend setting accepts.
func TestBackendNames(t *testing.T) {
	consts := []string{BackendFile, BackendKeychain, BackendKeyctl, BackendKWallet, BackendPass, BackendSecretService, BackendWinCred}
	if !slices.Equal(consts, Backends()) {
		t.Errorf("constants %q, setting values %q", consts, Backends())
	}
}
