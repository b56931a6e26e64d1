package cli

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/credo-cli/credo/pkg/cmdline"
)

// TestGrammarAgreesWithPflag: cmdline.Split, which the front, completion
// and the D-Bus guard use, reads exec's and export's arguments exactly as
// pflag reads credo's part of them: the same flags with the same values, the
// same profile, and an error exactly where Split finds an unknown flag or
// a missing value.
func TestGrammarAgreesWithPflag(t *testing.T) {
	words := []string{"dev", "prod", "-", "--", "ls", "-la", "-d", "1h", "--duration=2h", "-d=30m", "-n", "-nt", "123456",
		"-t654321", "-t=111111", "--no-session=false", "--region", "eu-west-1", "--region=us-east-1", "-s", "--ec2-server",
		"--backend", "file", "--debug", "--config", "x.yaml", "-j", "--lazy", "--pass-dir", "-h=false", "-f", "json", "--format=ini",
		"--bogus", "-x", "-nx", "--force-nested", "-sn", "--from-backend", "--dry-run", "-f=true"}
	rng := rand.New(rand.NewPCG(9, 9))
	for _, c := range []*cmdline.Command{cmdline.Exec, cmdline.Export} {
		for n := 0; n < 1500; n++ {
			args := make([]string, rng.IntN(7))
			for i := range args {
				args[i] = words[rng.IntN(len(words))]
			}
			checkAgainstPflag(t, c, args)
		}
	}
}

func checkAgainstPflag(t *testing.T, c *cmdline.Command, args []string) {
	t.Helper()
	f, _ := testFactory(nil)
	root := NewCmdRoot(f)
	cmd, _, err := root.Find(strings.Fields(c.Name))
	if err != nil {
		t.Fatal(err)
	}
	line := c.Split(args)
	head := line.Head
	if !c.RunsCommand {
		head = args // export: pflag reads every argument
	}
	cmd.InitDefaultHelpFlag()
	cmd.InheritedFlags()
	perr := cmd.Flags().Parse(head)
	if perr != nil && strings.HasPrefix(perr.Error(), "invalid argument") {
		return // a value pflag refuses (a bad duration): not a matter of grammar
	}
	wantErr := len(line.Unknown) > 0 || line.Pending != nil
	if (perr != nil) != wantErr {
		t.Fatalf("%s %q: pflag error %v; Split: unknown %q, pending %v", c.Name, args, perr, line.Unknown, line.Pending)
	}
	if perr != nil {
		return
	}
	if got := cmd.Flags().Args(); !slices.Equal(got, line.Args) && !(len(got) == 0 && len(line.Args) == 0) {
		t.Fatalf("%s %q: pflag's arguments %q, Split's %q", c.Name, args, got, line.Args)
	}
	changed := map[string]bool{}
	cmd.Flags().Visit(func(fl *pflag.Flag) { changed[fl.Name] = true })
	for _, g := range line.Flags {
		if !changed[g.Flag.Name] {
			t.Fatalf("%s %q: Split found --%s, pflag did not", c.Name, args, g.Flag.Name)
		}
	}
	for name := range changed {
		want, ok := line.Value(name)
		if !ok {
			t.Fatalf("%s %q: pflag found --%s, Split did not", c.Name, args, name)
		}
		got := cmd.Flags().Lookup(name).Value
		switch got.Type() {
		case "bool":
			b := true
			if want != "" {
				b, _ = strconv.ParseBool(want)
			}
			want = strconv.FormatBool(b)
		case "duration":
			d, _ := time.ParseDuration(want)
			want = d.String()
		}
		if got.String() != want {
			t.Fatalf("%s %q: --%s is %q to pflag, %q to Split", c.Name, args, name, got.String(), want)
		}
	}
	if c.RunsCommand && line.Command != nil && !line.Dash && !strings.HasPrefix(line.Command[0], "-") && len(line.Args) != 1 {
		t.Fatalf("%s %q: a command without a profile", c.Name, args)
	}
}
