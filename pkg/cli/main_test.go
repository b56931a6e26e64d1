package cli

import (
	"os"
	"testing"

	"github.com/credo-cli/credo/pkg/testing/testsvc"
)

// TestMain gives the tests a session keyring of their own, so that the
// sessions and unlocked keyrings credo keeps in memory are theirs alone.
func TestMain(m *testing.M) {
	testsvc.OwnSessionKeyring()
	os.Exit(m.Run())
}
