package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestConcurrentColdInvocationsShareOneFetch starts 32 credo processes at
// once for a role with MFA while nothing is cached: together they must make
// one GetSessionToken call, one AssumeRole call, and ask for the code once
// (issue 4).
func TestConcurrentColdInvocationsShareOneFetch(t *testing.T) {
	sts := stsfake.NewTest(t)
	sts.AcceptUnknownKeys(true)
	sts.SetMFACode("123456")
	dir := t.TempDir()
	asked := filepath.Join(dir, "asked")
	mfa := filepath.Join(dir, "mfa.sh")
	if err := os.WriteFile(mfa, []byte("#!/bin/sh\necho x >> '"+asked+"'\nsleep 0.3\necho 123456\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := testHome(t, `[profile dev]
region = us-east-1

[profile prod]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/prod
mfa_serial = arn:aws:iam::123456789012:mfa/tester
mfa_process = `+mfa+`

[profile other]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/other
`, sts)

	const n = 32
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	outs := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			profile := "prod"
			if i%8 == 7 {
				profile = "other" // unrelated profiles run beside them
			}
			cmd := exec.CommandContext(ctx, "credo", "export", "--format", "json", profile)
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			errs[i] = cmd.Run()
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%v: %s", errs[i], stderr.String())
			}
			outs[i] = stdout.String()
		}(i)
	}
	wg.Wait()
	keys := map[string]bool{}
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("process %d: %v", i, errs[i])
		}
		if i%8 != 7 {
			start := strings.Index(outs[i], `"AccessKeyId":"`)
			keys[outs[i][start:start+36]] = true
		}
	}
	if len(keys) != 1 {
		t.Errorf("the prod processes got %d different sessions, want 1", len(keys))
	}
	if got := sts.Calls("GetSessionToken"); got != 1 {
		t.Errorf("GetSessionToken calls = %d, want 1", got)
	}
	// One AssumeRole for prod, one for other.
	if got := sts.Calls("AssumeRole"); got != 2 {
		t.Errorf("AssumeRole calls = %d, want 2", got)
	}
	data, _ := os.ReadFile(asked)
	if got := strings.Count(string(data), "x"); got != 1 {
		t.Errorf("MFA code asked %d times, want 1", got)
	}
}

// TestExecServerServesTheAWSCLI runs the aws CLI under exec --server: it
// must find its credentials at the container endpoint, not in variables.
func TestExecServerServesTheAWSCLI(t *testing.T) {
	aws := testsvc.Need(t, "aws")
	sts := stsfake.NewTest(t)
	arn := sts.AddUser("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "tester")
	env := testHome(t, "[profile dev]\nregion = us-east-1\n", sts)
	for _, mode := range []string{"--server", "--ec2-server"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			script := `env | grep -E '^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)=' && exit 9; ` +
				aws + ` sts get-caller-identity --query Arn --output text`
			cmd := exec.CommandContext(ctx, "credo", "exec", mode, "dev", "--", "sh", "-c", script)
			cmd.Env = append(env, "AWS_EC2_METADATA_DISABLED=false")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if !strings.Contains(string(out), arn) {
				t.Fatalf("aws CLI printed %q, want %s", out, arn)
			}
		})
	}
}

// TestConcurrentAddsKeepEveryConfigSection runs 32 `credo add` processes at
// once, each for its own profile, five times: every one must find its
// [profile] section in the AWS config file afterwards (issue 11, item 2:
// without a lock, the last rename of the file won), and a temporary file
// that a killed writer left beside it is gone.
func TestConcurrentAddsKeepEveryConfigSection(t *testing.T) {
	sts := stsfake.NewTest(t)
	env := testHome(t, "[default]\nregion = us-east-1\n", sts)
	var cfgPath string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "AWS_CONFIG_FILE="); ok {
			cfgPath = v
		}
	}
	litter := filepath.Join(filepath.Dir(cfgPath), ".config.credo-123456")
	if err := os.WriteFile(litter, []byte("[profile half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	const n, rounds = 32, 5
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				cmd := exec.CommandContext(ctx, "credo", "add", fmt.Sprintf("p%d-%d", r, i))
				cmd.Env = env
				cmd.Stdin = strings.NewReader("AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
				if out, err := cmd.CombinedOutput(); err != nil {
					errs[i] = fmt.Errorf("%v: %s", err, out)
				}
			}(i)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, add %d: %v", r, i, err)
			}
		}
	}
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for r := 0; r < rounds; r++ {
		for i := 0; i < n; i++ {
			if !strings.Contains(string(data), fmt.Sprintf("[profile p%d-%d]\n", r, i)) {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d [profile] sections missing after concurrent adds", missing, n*rounds)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(cfgPath), ".config.credo-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left beside the config file: %q", left)
	}
}
