// Command credo-core is credo's full command tree. Users run `credo`, the
// lean front (cmd/credo), which serves cached sessions itself and replaces
// itself with credo-core for everything else.
package main

import (
	"os"

	"github.com/credo-cli/credo/pkg/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
