package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// awsVaultRow is one row of the table of aws-vault command lines in
// docs/migrating-from-aws-vault.md.
type awsVaultRow struct {
	line   string // the aws-vault command line
	result string // "works", "accepted" or "exit 2"
	stderr string // for "exit 2": the one line credo prints
}

var awsVaultRowPattern = regexp.MustCompile("^\\| `aws-vault ([^`]*)` \\| (works|accepted|exit 2: `([^`]*)`) \\|$")

// readAWSVaultTable reads the rows between the table's markers; a row it
// cannot read fails the test, so the doc cannot drift into prose the test
// skips.
func readAWSVaultTable(t *testing.T) []awsVaultRow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "migrating-from-aws-vault.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	begin := strings.Index(text, "<!-- aws-vault table: begin -->")
	end := strings.Index(text, "<!-- aws-vault table: end -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/migrating-from-aws-vault.md: the table's markers are missing")
	}
	var rows []awsVaultRow
	for _, l := range strings.Split(text[begin:end], "\n")[1:] {
		if l == "" || strings.HasPrefix(l, "| aws-vault command line") || strings.HasPrefix(l, "|---") {
			continue
		}
		m := awsVaultRowPattern.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("docs/migrating-from-aws-vault.md: row not understood: %s", l)
		}
		r := awsVaultRow{line: m[1], result: m[2], stderr: m[3]}
		if m[3] != "" {
			r.result = "exit 2"
		}
		rows = append(rows, r)
	}
	if len(rows) < 50 {
		t.Fatalf("only %d rows in the table", len(rows))
	}
	return rows
}

// quoteScript quotes s as one testscript argument.
func quoteScript(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// TestAWSVaultCommandLines runs every row of the table of aws-vault command
// lines, with credo in place of aws-vault, through the front binary (issue 8).
func TestAWSVaultCommandLines(t *testing.T) {
	rows := readAWSVaultTable(t)
	var b strings.Builder
	b.WriteString(`fakests
fakefederation
env AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
env AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
exec credo add --env dev
`)
	for _, r := range rows {
		args := strings.Fields(r.line)
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = quoteScript(a)
		}
		cmd := "exec credo " + strings.Join(quoted, " ")
		fmt.Fprintf(&b, "\n# aws-vault %s\n", r.line)
		switch r.result {
		case "works":
			fmt.Fprintf(&b, "%s\n! stderr 'aws-vault''s|unknown'\n", cmd)
		case "accepted":
			fmt.Fprintf(&b, "! %s\n! stderr 'aws-vault''s|unknown|usage'\n", cmd)
		case "exit 2":
			fmt.Fprintf(&b, "exits 2 credo %s\nstderr -count=1 '^.'\nstderr %s\n! stdout .\n", strings.Join(quoted, " "), quoteScript(`^\Q`+r.stderr+`\E$`))
		}
	}
	dir := t.TempDir()
	script := b.String() + "\n-- home/.aws/config --\n[profile dev]\nregion = eu-west-1\n"
	if err := os.WriteFile(filepath.Join(dir, "awsvault_table.txtar"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	p := scriptParams(dir)
	p.Cmds["exits"] = cmdExits
	testscript.Run(t, p)
}

// cmdExits runs a command and checks its exit status; its output is kept
// for stdout and stderr, as exec keeps it.
//
// usage: exits STATUS COMMAND [ARGS...]
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits STATUS COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
