//go:build !unix

// Command credo-soak needs kill -9 and FIFOs: it runs on unix systems only.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "credo-soak: runs on unix systems only")
	os.Exit(1)
}
