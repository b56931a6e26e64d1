package creds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
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
		c, err := runCredentialProcess(ctx, p.CredentialProcess, withProcessChain(env, chain), x.now())
		if loopReported(err) {
			return aws.Credentials{}, &ProcessLoopError{Subject: n.Subject(), Reported: true, Nested: len(chain) > 1}
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

// processWaitDelay bounds how long a grandchild holding the output pipe open
// can delay us after the command exits or is killed.
const processWaitDelay = 2 * time.Second

// runCredentialProcess runs command through the system shell, as the AWS
// CLI does, and parses its standard output. Standard error and input stay
// the person's, so the command can prompt. A failing command is reported by
// its exit status: its output may hold secrets.
func runCredentialProcess(ctx context.Context, command string, env []string, now time.Time) (aws.Credentials, error) {
	if strings.TrimSpace(command) == "" {
		return aws.Credentials{}, errors.New("credential_process is empty")
	}
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd.exe", "/C", command)
	} else {
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", command)
	}
	cmd.Env = env
	cmd.Stdin = os.Stdin
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = processWaitDelay
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return aws.Credentials{}, fmt.Errorf("credential_process: %w", ctx.Err())
		}
		return aws.Credentials{}, fmt.Errorf("credential_process failed: %w", err)
	}
	var po processOutput
	if err := json.Unmarshal(out.Bytes(), &po); err != nil {
		// Never quote the output: it is meant to hold a secret.
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
			return aws.Credentials{}, fmt.Errorf("credential_process: Expiration %q is not RFC 3339", po.Expiration)
		}
		if !t.After(now) {
			return aws.Credentials{}, fmt.Errorf("credential_process: the credentials expired at %s", t.UTC().Format(time.RFC3339))
		}
		c.CanExpire = true
		c.Expires = t.UTC()
	}
	return c, nil
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
		fmt.Fprintf(x.r.Notice, "credo: note: a key rotation of profile %q was interrupted; run \"credo rotate %s\" to finish it\n", profile, profile)
	}
}
