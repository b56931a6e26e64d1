package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestManPages: each page has its own title and keeps its synopsis's
// placeholders (issue 7: `credo exec [] [--] [ [...]]` under CREDO(1)).
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "man", "credo-exec.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`.TH "CREDO-EXEC" "1"`,
		`\fBcredo exec [<profile>] [--] [<command> [<args>\&...]] [flags]\fP`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("credo-exec.1 lacks %q:\n%s", want, page)
		}
	}
	root, err := os.ReadFile(filepath.Join(dir, "man", "credo.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(root), `.TH "CREDO" "1"`) {
		t.Errorf("credo.1 has another title:\n%s", root)
	}
	md, err := os.ReadFile(filepath.Join(dir, "cli", "credo_exec.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "credo exec [<profile>] [--] [<command> [<args>...]] [flags]") {
		t.Errorf("credo_exec.md lost its synopsis:\n%s", md)
	}
}
