package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/settings"
)

// The user docs against the code (issue 7).

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goSources calls f with the text of every non-test Go file of the module.
func goSources(t *testing.T, f func(path, text string)) {
	t.Helper()
	for _, dir := range []string{"cmd", "pkg"} {
		err := filepath.WalkDir(filepath.Join("..", "..", dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f(path, string(b))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestSettingsPageListsEverything: docs/settings.md names every setting
// (its key and variable) and every CREDO_* variable the code reads or sets.
func TestSettingsPageListsEverything(t *testing.T) {
	page := readDoc(t, "docs/settings.md")
	for _, k := range settings.Keys {
		if !strings.Contains(page, "| `"+k.Name+"` | `"+k.Env+"` |") {
			t.Errorf("docs/settings.md has no row for %s (%s)", k.Name, k.Env)
		}
	}
	vars := regexp.MustCompile(`CREDO_[A-Z0-9_]*[A-Z0-9]`)
	seen := map[string]bool{}
	goSources(t, func(path, text string) {
		for _, v := range vars.FindAllString(text, -1) {
			if !seen[v] && !strings.HasPrefix(v, "CREDO_TEST_") {
				seen[v] = true
				if !strings.Contains(page, "`"+v+"`") {
					t.Errorf("docs/settings.md does not list %s (used in %s)", v, path)
				}
			}
		}
	})
}

// TestKeyTableListsCredosOwnKeys: every profile key the code reads by name
// is in docs/configuration.md's key table (ykman_account was not).
func TestKeyTableListsCredosOwnKeys(t *testing.T) {
	page := readDoc(t, "docs/configuration.md")
	raw := regexp.MustCompile(`Raw\["([a-z_]+)"\]`)
	goSources(t, func(path, text string) {
		for _, m := range raw.FindAllStringSubmatch(text, -1) {
			if !strings.Contains(page, "| `"+m[1]+"` |") {
				t.Errorf("docs/configuration.md's key table lacks %s (read in %s)", m[1], path)
			}
		}
	})
}

// TestUserDocs: the README names go.mod's Go version and links every page
// of docs/, and no user page points at a "CLI contract" users do not have.
func TestUserDocs(t *testing.T) {
	readme := readDoc(t, "README.md")
	m := regexp.MustCompile(`(?m)^go ([0-9.]+)$`).FindStringSubmatch(readDoc(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	if !strings.Contains(readme, "Go "+m[1]) {
		t.Errorf("README.md does not say Go %s, go.mod's version", m[1])
	}
	pages, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(pages, filepath.Join("..", "..", "README.md")) {
		name := "docs/" + filepath.Base(p)
		if filepath.Base(p) == "README.md" {
			name = "README.md"
		} else if !strings.Contains(readme, "("+name+")") {
			t.Errorf("README.md does not link %s", name)
		}
		if strings.Contains(strings.ToLower(readDoc(t, name)), "cli contract") {
			t.Errorf("%s refers to the CLI contract, which users do not have", name)
		}
	}
}

// TestPerformancePage: docs/performance.md gives figures and how to get
// them, not the targets of an issue users never saw.
func TestPerformancePage(t *testing.T) {
	page := readDoc(t, "docs/performance.md")
	if m := regexp.MustCompile(`(?i)\bissue \d+|\btarget`).FindString(page); m != "" {
		t.Errorf("docs/performance.md speaks of %q", m)
	}
	for _, want := range []string{"make bench", "go run ./cmd/credo-bench", "| figure | measured |"} {
		if !strings.Contains(page, want) {
			t.Errorf("docs/performance.md lacks %q", want)
		}
	}
}
