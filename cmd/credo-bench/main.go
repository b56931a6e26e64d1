//go:build !windows

// Command credo-bench measures the figures docs/performance.md reports: the
// hot path (a cached session handed out by export and exec), startup, the
// cold path of a three-role chain against a fake STS that answers at once,
// the cost of 1,000 profiles, and 32 concurrent cold invocations. Every
// figure is one line of output. It runs the credo binary as a user would,
// measuring whole processes from outside.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

func main() {
	credo := flag.String("credo", "bin/credo", "the credo binary to measure")
	runs := flag.Int("runs", 41, "timed runs per figure (after a warm-up)")
	before := flag.String("before", "", "the front binary of another build (credo-core beside it), to time the hot path against")
	flag.Parse()
	startLogin()
	if err := run(*credo, *runs, *before); err != nil {
		fmt.Fprintln(os.Stderr, "credo-bench:", err)
		os.Exit(1)
	}
}

type bench struct {
	credo string
	dir   string
	env   []string
	sts   *stsfake.Server
	dbus  atomic.Int64
}

const (
	accessKeyID = "AKIAIOSFODNN7EXAMPLE"
	secretKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	account     = "123456789012"
)

func run(credo string, runs int, before string) error {
	abs, err := filepath.Abs(credo)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "credo-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sts, err := stsfake.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sts.Close()
	sts.AcceptUnknownKeys(true)
	sts.SetMFACode("123456")

	b := &bench{credo: abs, dir: dir, sts: sts}
	if err := b.listenDBus(); err != nil {
		return err
	}
	if err := b.setup(0); err != nil {
		return err
	}

	// Hot path: a role profile whose session is cached.
	if _, err := b.credo1(nil, "export", "--format", "json", "prod"); err != nil {
		return err
	}
	stsBefore := b.totalCalls()
	dbusBefore := b.dbus.Load()
	hot, err := b.measure(runs, "export", "--format", "json", "prod")
	if err != nil {
		return err
	}
	fmt.Printf("hot path: export --format json (cached role session, file backend) median wall %.2f ms (target <= 3 ms)\n", ms(hot.median))
	fmt.Printf("hot path: export peak RSS %.1f MiB (target <= 15 MiB)\n", hot.peakRSS)
	execHot, err := b.measure(runs, "exec", "prod", "--", "true")
	if err != nil {
		return err
	}
	fmt.Printf("hot path: exec prod -- true median wall %.2f ms, peak RSS %.1f MiB\n", ms(execHot.median), execHot.peakRSS)
	fmt.Printf("hot path: STS calls %d, D-Bus connections %d (target 0 and 0)\n", b.totalCalls()-stsBefore, b.dbus.Load()-dbusBefore)
	if err := b.hardenCost(runs); err != nil {
		return err
	}
	if err := b.visibility(runs); err != nil {
		return err
	}
	if err := b.settingsCost(runs, before); err != nil {
		return err
	}

	ver, err := b.measure(runs, "--version")
	if err != nil {
		return err
	}
	fmt.Printf("startup: credo --version median wall %.2f ms (target <= 2 ms)\n", ms(ver.median))
	// What this machine charges any process, for reading the figures above.
	trueWall, err := b.measureBinary(runs, "/bin/true")
	if err != nil {
		return err
	}
	coreVer, err := b.measureBinary(runs, filepath.Join(filepath.Dir(b.credo), "credo-core"), "--version")
	if err != nil {
		return err
	}
	fmt.Printf("baseline: /bin/true median wall %.2f ms; credo-core --version (the full binary the front avoids) %.2f ms\n", ms(trueWall), ms(coreVer))

	// A session held in memory, on every backend (issue 10).
	if err := b.backendFigures(runs); err != nil {
		return err
	}
	if err := kdfFigures(); err != nil {
		return err
	}

	// Cold path: a chain of three roles, nothing cached, fake STS at once.
	var cold []time.Duration
	for i := 0; i < runs/2+1; i++ {
		if _, err := b.credo1(nil, "clear"); err != nil {
			return err
		}
		before := b.totalCalls()
		d, _, err := b.timed(nil, "export", "--format", "json", "r3")
		if err != nil {
			return err
		}
		if got := b.totalCalls() - before; got != 3 {
			return fmt.Errorf("cold three-role chain made %d STS calls, want 3", got)
		}
		cold = append(cold, d)
	}
	rtt, err := b.stsRoundTrip(runs)
	if err != nil {
		return err
	}
	fmt.Printf("cold path: three-role chain, nothing cached, median wall %.2f ms; credo's own overhead %.2f ms after 3 STS round trips of %.2f ms (target <= 15 ms)\n",
		ms(median(cold)), ms(median(cold)-3*rtt), ms(rtt))

	// 1,000 profiles in the config and 1,000 items in the store.
	if err := b.grow(1000); err != nil {
		return err
	}
	if _, err := b.credo1(nil, "export", "--format", "json", "prod"); err != nil {
		return err
	}
	big, err := b.measure(runs, "export", "--format", "json", "prod")
	if err != nil {
		return err
	}
	fmt.Printf("1,000 profiles: hot path median wall %.2f ms, %+.2f ms against the small config (target <= +1 ms)\n", ms(big.median), ms(big.median-hot.median))
	list, err := b.measure(runs/4+1, "list")
	if err != nil {
		return err
	}
	fmt.Printf("1,000 profiles: list median wall %.2f ms (target < 100 ms)\n", ms(list.median))

	return b.concurrent(32)
}

// setup writes the config and stores the long-term key of "dev".
func (b *bench) setup(extra int) error {
	home := filepath.Join(b.dir, "home")
	for _, d := range []string{filepath.Join(home, ".aws"), filepath.Join(b.dir, "run")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	prompts := filepath.Join(b.dir, "mfa-prompts.log")
	mfa := filepath.Join(b.dir, "mfa-code.sh")
	if err := os.WriteFile(mfa, []byte("#!/bin/sh\necho prompt >> '"+prompts+"'\necho 123456\n"), 0o700); err != nil {
		return err
	}
	b.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"USER=bench",
		"XDG_RUNTIME_DIR=" + filepath.Join(b.dir, "run"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_STS=" + b.sts.URL(),
		"CREDO_BACKEND=file",
		"CREDO_FILE_DIR=" + filepath.Join(b.dir, "keyring"),
		"CREDO_FILE_PASSPHRASE=bench passphrase",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(b.dir, "dbus.sock"),
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
	}
	role := func(name string) string { return "arn:aws:iam::" + account + ":role/" + name }
	cfg := fmt.Sprintf(`[profile dev]
region = us-east-1

[profile prod]
source_profile = dev
role_arn = %s

[profile r1]
source_profile = dev
role_arn = %s

[profile r2]
source_profile = r1
role_arn = %s

[profile r3]
source_profile = r2
role_arn = %s

[profile mfa]
source_profile = dev
role_arn = %s
mfa_serial = arn:aws:iam::%s:mfa/bench
mfa_process = %s
`, role("prod"), role("r1"), role("r2"), role("r3"), role("mfa"), account, mfa)
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(cfg), 0o600); err != nil {
		return err
	}
	_, err := b.credo1(strings.NewReader(accessKeyID+"\n"+secretKey+"\n"), "add", "dev", "--add-config=false")
	return err
}

// grow adds n profiles to the config and n stored keys to the keyring.
func (b *bench) grow(n int) error {
	f, err := os.OpenFile(filepath.Join(b.dir, "home", ".aws", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(f, "\n[profile p%04d]\nsource_profile = dev\nrole_arn = arn:aws:iam::%s:role/p%04d\nregion = eu-west-1\n", i, account, i)
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Store the keys in parallel batches: each add is a process of its own.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 4)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := b.credo1(strings.NewReader(accessKeyID+"\n"+secretKey+"\n"), "add", fmt.Sprintf("k%04d", i), "--add-config=false")
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// concurrent starts n cold invocations of one MFA role profile at once.
func (b *bench) concurrent(n int) error {
	if _, err := b.credo1(nil, "clear"); err != nil {
		return err
	}
	prompts := filepath.Join(b.dir, "mfa-prompts.log")
	_ = os.Remove(prompts)
	b.sts.ResetCalls()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.credo1(nil, "export", "--format", "json", "mfa")
			errs <- err
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			fmt.Fprintln(os.Stderr, "credo-bench:", err)
		}
	}
	data, _ := os.ReadFile(prompts)
	gst, ar := b.sts.Calls("GetSessionToken"), b.sts.Calls("AssumeRole")
	fmt.Printf("32 concurrent cold invocations (role with MFA): STS calls %d (GetSessionToken %d, AssumeRole %d), MFA prompts %d, failures %d, wall %.1f ms (target 2 calls, 1 prompt)\n",
		gst+ar, gst, ar, bytes.Count(data, []byte("prompt")), failed, ms(wall))
	return nil
}

// stsRoundTrip is the median time of one request to the fake STS on a new
// connection, as each credo process makes them: what a cold path spends
// waiting for STS rather than working.
func (b *bench) stsRoundTrip(runs int) (time.Duration, error) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	var ds []time.Duration
	for i := 0; i < runs; i++ {
		start := time.Now()
		resp, err := client.PostForm(b.sts.URL(), url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}})
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ds = append(ds, time.Since(start))
	}
	return median(ds), nil
}

func (b *bench) totalCalls() int {
	return b.sts.Calls("GetSessionToken") + b.sts.Calls("AssumeRole") + b.sts.Calls("AssumeRoleWithWebIdentity")
}

// listenDBus stands in for a session bus and counts who connects to it.
func (b *bench) listenDBus() error {
	l, err := net.Listen("unix", filepath.Join(b.dir, "dbus.sock"))
	if err != nil {
		return err
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			b.dbus.Add(1)
			c.Close()
		}
	}()
	return nil
}

type result struct {
	median  time.Duration
	peakRSS float64 // MiB
}

func (b *bench) measure(runs int, args ...string) (result, error) {
	for i := 0; i < 5; i++ {
		if _, err := b.credo1(nil, args...); err != nil {
			return result{}, err
		}
	}
	var walls []time.Duration
	var peak int64
	for i := 0; i < runs; i++ {
		d, rss, err := b.timed(nil, args...)
		if err != nil {
			return result{}, err
		}
		walls = append(walls, d)
		peak = max(peak, rss)
	}
	return result{median: median(walls), peakRSS: float64(peak) / 1024}, nil
}

// measureBinary is measure for another program, without credo's environment.
func (b *bench) measureBinary(runs int, path string, args ...string) (time.Duration, error) {
	var walls []time.Duration
	for i := 0; i < runs+5; i++ {
		cmd := exec.Command(path, args...)
		cmd.Env = b.env
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("%s: %v", path, err)
		}
		if i >= 5 {
			walls = append(walls, time.Since(start))
		}
	}
	return median(walls), nil
}

// timed runs credo once and returns its wall time and peak RSS in KiB.
func (b *bench) timed(stdin *strings.Reader, args ...string) (time.Duration, int64, error) {
	cmd := b.command(stdin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("credo %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss // KiB on Linux
		if runtime.GOOS == "darwin" {
			rss /= 1024 // bytes on macOS
		}
	}
	return d, rss, nil
}

func (b *bench) credo1(stdin *strings.Reader, args ...string) ([]byte, error) {
	cmd := b.command(stdin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("credo %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func (b *bench) command(stdin *strings.Reader, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	_ = cancel // the process ends long before; the timeout only guards a hang
	cmd := exec.CommandContext(ctx, b.credo, args...)
	cmd.Env = b.env
	if stdin != nil {
		cmd.Stdin = stdin
	}
	return cmd
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
