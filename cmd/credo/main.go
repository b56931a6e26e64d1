// Command credo manages AWS credentials: it keeps long-term IAM user keys in
// the OS keyring and hands out short-lived credentials made from them.
package main

import (
	"os"

	"github.com/credo-cli/credo/pkg/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
