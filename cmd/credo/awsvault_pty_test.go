//go:build linux || darwin

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// TestImportAWSVaultAsksThePassphrase: without AWS_VAULT_FILE_PASSPHRASE,
// the passphrase of aws-vault's file keyring is asked once on the terminal,
// not echoed, and the import goes on with it (issue 8).
func TestImportAWSVaultAsksThePassphrase(t *testing.T) {
	env, home := interactiveEnv(t)
	testsvc.CopyFiles(t, filepath.Join("..", "..", "pkg", "keystore", "testdata", "awsvault-7.2.0", "keys"), filepath.Join(home, ".awsvault", "keys"))
	s := startPTY(t, append(env, "AWS_VAULT_BACKEND=file", "CREDO_FILE_PASSPHRASE=credo test"), "import", "aws-vault")
	s.answer("Passphrase of aws-vault's file keyring: ", "aws-vault 7.2.0 fixture")
	err, screen := s.wait()
	if err != nil {
		t.Fatalf("%v\n%s", err, screen)
	}
	if strings.Count(screen, "Passphrase of aws-vault's file keyring") != 1 || strings.Contains(screen, "7.2.0 fixture") {
		t.Errorf("the passphrase was asked more than once, or echoed:\n%s", screen)
	}
	for _, p := range []string{"default", "dev", "team/ops"} {
		if !strings.Contains(screen, "imported "+p+": ") {
			t.Errorf("%s not imported:\n%s", p, screen)
		}
	}
}
