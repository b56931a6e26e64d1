//go:build !windows

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// visibility measures what issue 12 asks of the audit log and of
// credo status: the log's cost on the hot path (the same export timed with
// the log on and off, alternately, in this run), and credo status against
// a trivial Go program that prints a line.
func (b *bench) visibility(runs int) error {
	off := append(append([]string(nil), b.env...), "CREDO_AUDIT_LOG=false")
	args := []string{"export", "--format", "json", "prod"}
	var with, without []time.Duration
	for i := 0; i < 2*runs+5; i++ {
		d1, err := b.timedEnv(b.env, b.credo, args...)
		if err != nil {
			return err
		}
		d2, err := b.timedEnv(off, b.credo, args...)
		if err != nil {
			return err
		}
		if i >= 5 {
			with, without = append(with, d1), append(without, d2)
		}
	}
	fmt.Printf("audit log: hot path export median wall %.2f ms with the log, %.2f ms without (audit_log: false): %+.3f ms per line (target <= 0.2 ms)\n",
		ms(median(with)), ms(median(without)), ms(median(with)-median(without)))

	hello, err := b.trivialProgram()
	if err != nil {
		return err
	}
	shell := append(append([]string(nil), b.env...), "CREDO_PROFILE=prod",
		"CREDO_ROLE_ARN=arn:aws:iam::"+account+":role/prod",
		"AWS_CREDENTIAL_EXPIRATION="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	var status, trivial []time.Duration
	for i := 0; i < runs+5; i++ {
		d1, err := b.timedEnv(shell, b.credo, "status", "--format", "prompt")
		if err != nil {
			return err
		}
		d2, err := b.timedEnv(shell, hello)
		if err != nil {
			return err
		}
		if i >= 5 {
			status, trivial = append(status, d1), append(trivial, d2)
		}
	}
	fmt.Printf("status: credo status --format prompt median wall %.2f ms; a trivial Go program that prints a line %.2f ms (ratio %.2f)\n",
		ms(median(status)), ms(median(trivial)), float64(median(status))/float64(median(trivial)))
	return nil
}

// trivialProgram builds a Go program that prints one line, the yardstick
// for what any Go process costs on this machine.
func (b *bench) trivialProgram() (string, error) {
	dir := filepath.Join(b.dir, "hello")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"), 0o600); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, src)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the trivial program: %v: %s", err, out)
	}
	return bin, nil
}

// timedEnv runs path with args and env once and returns its wall time.
func (b *bench) timedEnv(env []string, path string, args ...string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s %v: %v: %s", filepath.Base(path), args, err, out)
	}
	return d, nil
}
