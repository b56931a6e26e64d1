//go:build !windows

package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/credo-cli/credo/pkg/harden"
)

// hardenCost times what both binaries do first thing (issue 11, item 10:
// non-dumpable, core limit 0), in this process, against the start of a
// trivial Go program that prints a line, timed in this run.
func (b *bench) hardenCost(runs int) error {
	hello, err := b.trivialProgram()
	if err != nil {
		return err
	}
	trivial, err := b.measureBinary(runs, hello)
	if err != nil {
		return err
	}
	times := make([]time.Duration, 0, 1000)
	for i := 0; i < cap(times); i++ {
		t0 := time.Now()
		if _, err := harden.Apply(); err != nil {
			return fmt.Errorf("harden: %w", err)
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	med := times[len(times)/2]
	fmt.Printf("hardening: non-dumpable and core limit 0 at start, median %.1f µs; a trivial Go program %.2f ms (ratio %.5f)\n",
		float64(med)/float64(time.Microsecond), ms(trivial), float64(med)/float64(trivial))
	return nil
}
