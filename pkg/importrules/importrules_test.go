package importrules

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkgInfo struct {
	ImportPath string
	Imports    []string
}

// TestImportRules: cobra and viper stay in pkg/cli; 99designs/keyring stays
// in pkg/keystore; pkg/ never imports the command layer; the test doubles
// under pkg/testing reach no product code (only tests and the benchmark
// import them); the front's package is cmd/credo's alone.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "github.com/credo-cli/credo/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		own := strings.TrimPrefix(p.ImportPath, "github.com/credo-cli/credo/")
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, "github.com/spf13/") && own != "pkg/cli" && !strings.HasPrefix(own, "cmd/"):
				t.Errorf("%s imports %s: cobra and viper belong to pkg/cli", own, imp)
			case strings.HasPrefix(imp, "github.com/99designs/keyring") && own != "pkg/keystore" && !strings.HasPrefix(own, "pkg/keystore/testdata"):
				t.Errorf("%s imports %s: only pkg/keystore talks to the keyring library", own, imp)
			case imp == "github.com/credo-cli/credo/pkg/cli" && strings.HasPrefix(own, "pkg/"):
				t.Errorf("%s imports pkg/cli: imports go cmd -> pkg/cli -> the rest", own)
			case imp == "github.com/credo-cli/credo/pkg/testing/stsfake" && strings.HasPrefix(own, "pkg/") && own != "pkg/stsfake":
				t.Errorf("%s imports the fake STS outside tests", own)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list saw only %d packages", seen)
	}
}
