//go:build linux || darwin

package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestCredentialProcessTimeoutSetting: the credential_process_timeout
// setting reaches the resolver (one default, in pkg/settings): a
// credential_process running past it is stopped with a hint naming it.
func TestCredentialProcessTimeoutSetting(t *testing.T) {
	fake := stsfake.NewTest(t)
	env := testHome(t, "[profile p]\ncredential_process = sleep 30\n", fake)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "credo", "export", "--format", "json", "p")
	cmd.Env = append(env, "CREDO_CREDENTIAL_PROCESS_TIMEOUT=400ms")
	cmd.WaitDelay = time.Second // a leftover sleep holds stderr open
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatal("credo did not stop the credential_process")
	}
	for _, want := range []string{
		`credo: profile "p": credential_process did not finish within 400ms; credo stopped it`,
		"credo: hint: ",
		"CREDO_CREDENTIAL_PROCESS_TIMEOUT",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}
