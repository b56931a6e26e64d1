package keystore

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAWSVaultKeyctlCreatesNothing opens aws-vault's keyctl keyring where
// there is none: the open fails with one line, and no "aws-vault" keyring
// is left behind (the keyring library creates the one it opens; issue 8:
// never change anything of aws-vault's). The process keyring is this test
// process's own.
func TestAWSVaultKeyctlCreatesNothing(t *testing.T) {
	if !available(BackendKeyctl) {
		t.Skip("keyctl is not available")
	}
	if _, err := unix.KeyctlSearch(unix.KEY_SPEC_PROCESS_KEYRING, "keyring", "aws-vault", 0); err == nil {
		t.Fatal("the process keyring already holds an aws-vault keyring")
	}
	_, err := OpenAWSVault(AWSVaultConfig{Backend: BackendKeyctl, KeyctlScope: "process"})
	if err == nil || !strings.Contains(err.Error(), "aws-vault's keyctl keyring aws-vault in the process keyring: no such keyring") {
		t.Errorf("open: %v", err)
	}
	_, err = unix.KeyctlSearch(unix.KEY_SPEC_PROCESS_KEYRING, "keyring", "aws-vault", 0)
	if !errors.Is(err, unix.ENOKEY) {
		t.Errorf("an aws-vault keyring was created (search: %v)", err)
	}
}
