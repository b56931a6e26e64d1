// Command credo manages AWS credentials: it keeps long-term IAM user keys in
// the OS keyring and hands out short-lived credentials made from them.
//
// This binary is the lean front: it answers the hot path (a cached session)
// itself and hands every other invocation to credo-core. See package
// front for why.
package main

import (
	"os"

	"github.com/credo-cli/credo/pkg/front"
)

func main() {
	os.Exit(front.Main(os.Args[1:]))
}
