//go:build !windows

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/credo-cli/credo/pkg/settings"
)

// settingsCost measures what issue 9 asks: the front's hot path with a
// settings file that sets every setting (read by pkg/settings, credo's one
// settings reader) against no file, and, when before names the front binary
// of another build (with its credo-core beside it), this build's hot path
// against that one's. Each pair runs alternately in this run, with a trivial
// Go program that prints a line as the yardstick.
func (b *bench) settingsCost(runs int, before string) error {
	var file strings.Builder
	file.WriteString("# every setting, at its default\n")
	for _, k := range settings.Keys {
		v := k.Default
		if k.Name == "backend" {
			v = "file"
		}
		fmt.Fprintf(&file, "%s: %s # %s\n", k.Name, v, strings.ReplaceAll(k.Doc, "`", ""))
	}
	path := filepath.Join(b.dir, "settings.yaml")
	if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
		return err
	}
	withFile := append(append([]string(nil), b.env...), "CREDO_CONFIG="+path)
	hello, err := b.trivialProgram()
	if err != nil {
		return err
	}
	args := []string{"export", "--format", "json", "prod"}
	m, err := b.alternately(runs,
		func() (time.Duration, error) { return b.timedEnv(withFile, b.credo, args...) },
		func() (time.Duration, error) { return b.timedEnv(b.env, b.credo, args...) },
		func() (time.Duration, error) { return b.timedEnv(b.env, hello) })
	if err != nil {
		return err
	}
	fmt.Printf("settings: hot path export median wall %.2f ms with a %d-line settings file, %.2f ms without (%+.3f ms); trivial Go program %.2f ms (ratios %.2f and %.2f)\n",
		ms(m[0]), len(settings.Keys)+1, ms(m[1]), ms(m[0]-m[1]), ms(m[2]), float64(m[0])/float64(m[2]), float64(m[1])/float64(m[2]))
	if before == "" {
		return nil
	}
	old, err := filepath.Abs(before)
	if err != nil {
		return err
	}
	m, err = b.alternately(runs,
		func() (time.Duration, error) { return b.timedEnv(b.env, b.credo, args...) },
		func() (time.Duration, error) { return b.timedEnv(b.env, old, args...) },
		func() (time.Duration, error) { return b.timedEnv(b.env, hello) })
	if err != nil {
		return err
	}
	fmt.Printf("before: hot path export median wall %.2f ms (this build) against %.2f ms (%s): %+.3f ms; trivial Go program %.2f ms (ratios %.2f and %.2f)\n",
		ms(m[0]), ms(m[1]), before, ms(m[0]-m[1]), ms(m[2]), float64(m[0])/float64(m[2]), float64(m[1])/float64(m[2]))
	return nil
}

// alternately runs each of fns in turn, 2*runs times after 5 warm-up
// rounds, and returns the median of each: alternating spreads the machine's
// drift over all of them.
func (b *bench) alternately(runs int, fns ...func() (time.Duration, error)) ([]time.Duration, error) {
	times := make([][]time.Duration, len(fns))
	for i := 0; i < 2*runs+5; i++ {
		for j, fn := range fns {
			d, err := fn()
			if err != nil {
				return nil, err
			}
			if i >= 5 {
				times[j] = append(times[j], d)
			}
		}
	}
	out := make([]time.Duration, len(fns))
	for j := range times {
		out[j] = median(times[j])
	}
	return out, nil
}
