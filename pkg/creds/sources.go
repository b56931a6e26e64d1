package creds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/settings"
)

// source returns the credentials of a step that makes no STS call.
func (x *run) source(ctx context.Context, n *node) (aws.Credentials, error) {
	p := n.Profile
	switch n.Src {
	case srcStatic:
		return aws.Credentials{
			AccessKeyID:     p.AccessKeyID,
			SecretAccessKey: p.SecretAccessKey,
			SessionToken:    p.SessionToken,
			Source:          "credo:file",
		}, nil
	case srcStored:
		k, err := x.r.Store.GetKey(p.Name)
		if errors.Is(err, keystore.ErrNotFound) {
			return aws.Credentials{}, hint.Wrap(n.Errorf("no stored credentials"), fmt.Sprintf("run \"credo add %s\"", p.Name))
		}
		if err != nil {
			return aws.Credentials{}, n.Errorf("reading stored credentials: %w", err)
		}
		x.notePendingRotation(p.Name)
		return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, Source: "credo:keyring"}, nil
	case srcEnvironment:
		getenv := orEmpty(x.r.Getenv)
		c := aws.Credentials{
			AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
			SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken:    getenv("AWS_SESSION_TOKEN"),
			Source:          "credo:environment",
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return aws.Credentials{}, n.Errorf("credential_source Environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set")
		}
		return c, nil
	case srcProcess:
		getenv := orEmpty(x.r.Getenv)
		chain, err := checkProcessLoop(n.Subject(), p.Name, getenv)
		if err != nil {
			return aws.Credentials{}, err
		}
		env := x.r.Environ
		if env == nil {
			env = os.Environ()
		}
		c, err := runCredentialProcess(ctx, p.CredentialProcess, chain, env, x.now(), x.processTimeout())
		if errors.Is(err, errLoopReported) {
			return aws.Credentials{}, &ProcessLoopError{Subject: n.Subject(), Reported: true, Above: chain[:len(chain)-1]}
		}
		if err != nil {
			return aws.Credentials{}, n.Errorf("%w", err)
		}
		return c, nil
	}
	return aws.Credentials{}, n.Errorf("internal error: unknown source %q", n.Src)
}

// processOutput is the credential_process format.
type processOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
}

// Bounds of a credential_process (issue 11, item 5).
const (
	// MaxProcessOutput bounds the standard output read from it: the format
	// is one small JSON object.
	MaxProcessOutput = 64 << 10
	// processDrain is how long, once the command has exited, credo keeps
	// reading output that is still on its way; a grandchild that holds the
	// pipe open delays the answer by no more.
	processDrain = 250 * time.Millisecond
)

// ProcessTimeoutSetting names the setting of Resolver.ProcessTimeout, for
// the timeout's hint, as settings.Keys spells it.
var ProcessTimeoutSetting = func() string {
	k := settings.Lookup("credential_process_timeout")
	return k.Name + " (" + k.Env + ")"
}()

// runCredentialProcess runs command through the system shell, as the AWS
// CLI does, with ProcessChainVar set to chain in env, and parses its
// standard output. Standard error and input stay the person's, so the
// command can prompt. A failing command is reported by its exit status: its
// output may hold secrets; one whose output is a loop report for chain is
// errLoopReported.
//
// The command is stopped when it runs past timeout (0: no limit) or writes
// more than MaxProcessOutput bytes.
// Its answer counts once it has exited: output that a grandchild keeps the
// pipe of open past that is not waited for.
func runCredentialProcess(ctx context.Context, command string, chain, env []string, now time.Time, timeout time.Duration) (aws.Credentials, error) {
	if strings.TrimSpace(command) == "" {
		return aws.Credentials{}, errors.New("credential_process is empty")
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd.exe", "/C", command)
	} else {
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", command)
	}
	cmd.Env = withProcessChain(env, chain)
	cmd.Stdin = os.Stdin
	cmd.Stderr = os.Stderr
	ownGroup(cmd)
	pr, pw, err := os.Pipe()
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("credential_process: %w", err)
	}
	defer pr.Close()
	// An *os.File: the command writes to the pipe itself, and Wait does not
	// wait for the pipe to close (a grandchild may keep it open).
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		pw.Close()
		return aws.Credentials{}, fmt.Errorf("credential_process failed: %w", err)
	}
	pw.Close()

	type result struct {
		out     []byte
		tooMuch bool
	}
	read := make(chan result, 1)
	go func() {
		out, tooMuch := readBounded(pr, MaxProcessOutput)
		if tooMuch {
			_ = cmd.Cancel() // stop it now, not when it is done writing
		}
		read <- result{out, tooMuch}
	}()
	waitErr := cmd.Wait()
	// The command has exited: take what it wrote, and what is still in the
	// pipe, without waiting for a grandchild to close it.
	_ = pr.SetReadDeadline(time.Now().Add(processDrain))
	res := <-read
	switch {
	case res.tooMuch:
		return aws.Credentials{}, hint.New(fmt.Sprintf("credential_process wrote more than %d KiB to its standard output; credo stopped it", MaxProcessOutput>>10),
			"its standard output must be one credential_process JSON object; send anything else to standard error")
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && waitErr != nil:
		return aws.Credentials{}, hint.New(fmt.Sprintf("credential_process did not finish within %s; credo stopped it", plan.FormatDuration(timeout)),
			"if it needs longer (it may be asking you something), raise "+ProcessTimeoutSetting)
	case waitErr != nil && ctx.Err() != nil:
		return aws.Credentials{}, fmt.Errorf("credential_process: %w", ctx.Err())
	case waitErr != nil && isLoopReport(res.out, chain):
		return aws.Credentials{}, errLoopReported
	case waitErr != nil:
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) && (ee.ExitCode() == 126 || ee.ExitCode() == 127) && runtime.GOOS != "windows" {
			// The shell's own answer: it could not run the command.
			return aws.Credentials{}, hint.Wrap(fmt.Errorf("credential_process could not be run: the shell did not find or could not execute its command (%w)", waitErr),
				"check the command of credential_process in the profile: its path, and that it is executable")
		}
		return aws.Credentials{}, fmt.Errorf("credential_process failed: %w", waitErr)
	}
	return parseProcessOutput(res.out, now)
}

// parseProcessOutput reads the credential_process format. Its errors never
// quote the output: it is meant to hold a secret.
func parseProcessOutput(out []byte, now time.Time) (aws.Credentials, error) {
	var po processOutput
	if err := json.Unmarshal(out, &po); err != nil {
		return aws.Credentials{}, errors.New("credential_process: output is not the JSON credential_process format")
	}
	if po.Version != 1 {
		return aws.Credentials{}, fmt.Errorf("credential_process: unsupported Version %d (want 1)", po.Version)
	}
	if po.AccessKeyID == "" || po.SecretAccessKey == "" {
		return aws.Credentials{}, errors.New("credential_process: output lacks AccessKeyId or SecretAccessKey")
	}
	c := aws.Credentials{
		AccessKeyID:     po.AccessKeyID,
		SecretAccessKey: po.SecretAccessKey,
		SessionToken:    po.SessionToken,
		Source:          "credo:process",
	}
	if po.Expiration != "" {
		t, err := time.Parse(time.RFC3339, po.Expiration)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("credential_process: Expiration %q is not RFC 3339", config.Clip(po.Expiration))
		}
		if !t.After(now) {
			return aws.Credentials{}, fmt.Errorf("credential_process: the credentials expired at %s", t.UTC().Format(time.RFC3339))
		}
		c.CanExpire = true
		c.Expires = t.UTC()
	}
	return c, nil
}

// readBounded reads r to its end (or a read error, such as the deadline)
// and reports whether it held more than max bytes.
func readBounded(r io.Reader, max int) ([]byte, bool) {
	var buf bytes.Buffer
	n, _ := io.Copy(&buf, io.LimitReader(r, int64(max)+1))
	if n > int64(max) {
		return nil, true
	}
	return buf.Bytes(), false
}

// processTimeout is the bound of a credential_process; 0 means none.
func (x *run) processTimeout() time.Duration {
	return max(x.r.ProcessTimeout, 0)
}

// notePendingRotation tells the user, once, about a key rotation of profile
// that was interrupted: the stored key works, but a key the rotation made
// may stay in IAM (and count toward the limit of two) until the next
// `credo rotate` finishes or undoes it. Only the cold path gets here.
func (x *run) notePendingRotation(profile string) {
	rs, ok := x.r.Store.(keystore.RotationStore)
	if !ok || x.r.Notice == nil {
		return
	}
	if _, err := rs.GetRotation(profile); err == nil {
		fmt.Fprintf(x.r.Notice, "credo: note: a key rotation of profile %q was interrupted; run \"credo rotate %s\" to finish it\n", config.Clip(profile), config.Clip(profile))
	}
}
