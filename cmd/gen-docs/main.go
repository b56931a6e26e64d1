// Command gen-docs writes credo's man pages to docs/man and its Markdown
// command reference to docs/cli, from the cobra command tree.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/credo-cli/credo/pkg/cli"
	"github.com/credo-cli/credo/pkg/iostreams"
)

func main() {
	if err := run("docs"); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

// run writes the pages under docs (docs/man and docs/cli).
func run(docs string) error {
	root := cli.NewCmdRoot(cli.NewFactory(&cli.Env{IO: iostreams.System(), Getenv: func(string) string { return "" }, Environ: os.Environ, Now: time.Now}))
	root.DisableAutoGenTag = true
	man, md := filepath.Join(docs, "man"), filepath.Join(docs, "cli")
	for _, dir := range []string{man, md} {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	err := doc.GenMarkdownTreeCustom(root, md, func(string) string { return "" }, func(name string) string {
		return filepath.Base(name)
	})
	if err != nil {
		return err
	}
	// cobra writes a man page as Markdown and converts it, so the
	// placeholders of a synopsis (<profile>) would be taken for HTML tags
	// and dropped: escape them.
	escapeUse(root)
	// A fixed date keeps the generated pages reproducible. No title: each
	// page takes its command's (CREDO-EXEC), not the root's.
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return doc.GenManTree(root, &doc.GenManHeader{Section: "1", Source: "credo", Manual: "credo manual", Date: &date}, man)
}

var markdownAngles = strings.NewReplacer("<", `\<`, ">", `\>`)

func escapeUse(c *cobra.Command) {
	c.Use = markdownAngles.Replace(c.Use)
	for _, sub := range c.Commands() {
		escapeUse(sub)
	}
}
