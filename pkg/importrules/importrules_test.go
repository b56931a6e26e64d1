package importrules

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-cli/credo/pkg/settings"
)

const module = "github.com/credo-cli/credo/"

// testTools are the programs that measure or attack credo rather than
// ship with it (make bench, make soak): they may use the test doubles,
// write settings files and scan arguments as they like.
var testTools = map[string]bool{"cmd/credo-bench": true, "cmd/credo-soak": true}

type pkgInfo struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
}

// listPackages returns every package of the module (test files aside).
func listPackages(t *testing.T) []pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Dir,GoFiles,Imports", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list saw only %d packages", len(pkgs))
	}
	return pkgs
}

// TestImportRules: cobra and pflag stay in pkg/cli; 99designs/keyring stays
// in pkg/keystore; pkg/ never imports the command layer; the test doubles
// under pkg/testing reach no product code (only tests and the benchmark
// import them); the front's package is cmd/credo's alone; no package reads
// settings through viper or command lines through package flag.
func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		own := strings.TrimPrefix(p.ImportPath, module)
		for _, imp := range p.Imports {
			switch {
			case imp == "github.com/spf13/viper":
				t.Errorf("%s imports viper: credo's settings are read by pkg/settings alone", own)
			case strings.HasPrefix(imp, "github.com/spf13/") && own != "pkg/cli" && !strings.HasPrefix(own, "cmd/"):
				t.Errorf("%s imports %s: cobra and pflag belong to pkg/cli", own, imp)
			case imp == "flag" && strings.HasPrefix(own, "pkg/"):
				t.Errorf("%s imports flag: credo's command line is read by pkg/cli and pkg/cmdline", own)
			case strings.HasPrefix(imp, "github.com/99designs/keyring") && own != "pkg/keystore" && !strings.HasPrefix(own, "pkg/keystore/testdata"):
				t.Errorf("%s imports %s: only pkg/keystore talks to the keyring library", own, imp)
			case imp == module+"pkg/cli" && strings.HasPrefix(own, "pkg/"):
				t.Errorf("%s imports pkg/cli: imports go cmd -> pkg/cli -> the rest", own)
			case strings.HasPrefix(imp, module+"pkg/testing/") && !strings.HasPrefix(own, "pkg/testing/") && !testTools[own]:
				t.Errorf("%s imports the test double %s outside tests", own, imp)
			case imp == module+"pkg/front" && own != "cmd/credo":
				t.Errorf("%s imports pkg/front: it is the front binary's own package", own)
			}
		}
	}
}

// TestOneSettingsReaderOneGrammar keeps a second settings reader or
// command-line scanner from coming back (issue 9: settings were read three
// ways, exec's arguments scanned three ways, and they disagreed):
//
//   - only pkg/settings reads a setting's variable (settings.Keys) or
//     CREDO_CONFIG (getenv("CREDO_MIN_TTL") and the like), or builds the
//     settings file's path (filepath.Join(..., "config.yaml"));
//   - only pkg/cmdline looks for "--" (the end of the options), the mark of
//     an argument scanner;
//   - os.Args is passed on only by the mains and the D-Bus guard (which
//     hands it to cmdline.Scan); elsewhere only os.Args[0] is read.
func TestOneSettingsReaderOneGrammar(t *testing.T) {
	settingVars := map[string]bool{"CREDO_CONFIG": true}
	for _, k := range settings.Keys {
		settingVars[k.Env] = true
	}
	fset := token.NewFileSet()
	checked := 0
	for _, p := range listPackages(t) {
		own := strings.TrimPrefix(p.ImportPath, module)
		if testTools[own] || strings.HasPrefix(own, "pkg/testing/") {
			continue
		}
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			where := func(n ast.Node) string { return own + "/" + name + ":" + strconv.Itoa(fset.Position(n.Pos()).Line) }
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if own == "pkg/settings" {
						return true
					}
					fn := strings.ToLower(funcName(n.Fun))
					for _, a := range n.Args {
						lit, ok := a.(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						v, _ := strconv.Unquote(lit.Value)
						envReader := strings.Contains(fn, "getenv") || strings.Contains(fn, "lookupenv") || fn == "lookup"
						if (envReader && settingVars[v]) || (fn == "join" && v == "config.yaml") {
							t.Errorf("%s: %s(%q) outside pkg/settings: read settings through settings.Load", where(n), funcName(n.Fun), v)
						}
					}
				case *ast.BinaryExpr:
					if (n.Op == token.EQL || n.Op == token.NEQ) && own != "pkg/cmdline" && (isLit(n.X, "--") || isLit(n.Y, "--")) {
						t.Errorf("%s: compares with \"--\" outside pkg/cmdline: split arguments with cmdline.Split or Scan", where(n))
					}
				case *ast.CaseClause:
					for _, e := range n.List {
						if own != "pkg/cmdline" && isLit(e, "--") {
							t.Errorf("%s: a case \"--\" outside pkg/cmdline: split arguments with cmdline.Split or Scan", where(e))
						}
					}
				case *ast.IndexExpr:
					if isOSArgs(n.X) {
						if lit, ok := n.Index.(*ast.BasicLit); ok && lit.Value == "0" {
							return false // the program's own path
						}
					}
				case *ast.SelectorExpr:
					if isOSArgs(n) && !strings.HasPrefix(own, "cmd/") && own != "pkg/keystore/dbusguard" {
						t.Errorf("%s: os.Args outside a main: take the arguments as a parameter", where(n))
					}
				}
				return true
			})
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files", checked)
	}
}

// funcName is the name a call is made by: f in f(), x.f().
func funcName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

func isLit(e ast.Expr, s string) bool {
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING && lit.Value == strconv.Quote(s)
}

func isOSArgs(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Args" {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "os"
}

// rows are the rows of the picture in docs/architecture.md: a package
// imports only packages of lower rows. A new package gets a row here and
// there.
var rows = map[string]int{
	"cmd/credo": 9, "cmd/credo-core": 9, "cmd/gen-docs": 9, "cmd/credo-bench": 9, "cmd/credo-soak": 9,
	"pkg/front": 8, "pkg/cli": 8,
	"pkg/rotate":   7,
	"pkg/creds":    6,
	"pkg/sso":      5,
	"pkg/keystore": 4, "pkg/login": 4,
	"pkg/keystore/dbusguard": 3, "pkg/memstore": 3,
	"pkg/cmdline": 2, "pkg/creds/plan": 2, "pkg/keystore/filefast": 2, "pkg/lock": 2, "pkg/prompt": 2, "pkg/doctor": 2,
	"pkg/settings": 1, "pkg/audit": 1, "pkg/config": 1, "pkg/keystore/item": 1, "pkg/privdir": 1,
	"pkg/hint": 0, "pkg/build": 0, "pkg/iostreams": 0, "pkg/awscall": 0, "pkg/output": 0, "pkg/status": 0, "pkg/harden": 0, "pkg/server": 0, "pkg/xdg": 0,
	"pkg/importrules": 0, "pkg/testing/stsfake": 0, "pkg/testing/ssofake": 0, "pkg/testing/testsvc": 0,
}

// TestLayers: the picture of docs/architecture.md is the code's.
func TestLayers(t *testing.T) {
	for _, p := range listPackages(t) {
		own := strings.TrimPrefix(p.ImportPath, module)
		if strings.HasPrefix(own, "pkg/keystore/testdata/") {
			continue // helper programs of keystore's tests
		}
		row, ok := rows[own]
		if !ok {
			t.Errorf("%s has no row: add it to the picture in docs/architecture.md and to rows in %s", own, "pkg/importrules")
			continue
		}
		for _, imp := range p.Imports {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if r, known := rows[dep]; known && r >= row {
				t.Errorf("%s (row %d) imports %s (row %d): a package imports only lower rows (docs/architecture.md)", own, row, dep, r)
			}
		}
	}
}
