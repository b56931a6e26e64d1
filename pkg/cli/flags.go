package cli

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/credo-cli/credo/pkg/cmdline"
)

// addFlags registers the rows of a cmdline table on fs: each of credo's
// flags bound to its field in bind (a *string or *time.Duration for a flag
// that takes a value, a *bool for a switch; the field's value is the
// default), aws-vault's spellings as hidden flags that refuseForeignFlags
// turns into a hint. With bind nil, every flag gets a variable of its own
// (the global flags, which loadSettings reads back by name). A row without
// a matching binding is a mistake in the tables, caught by every test that
// builds the command tree.
func addFlags(fs *pflag.FlagSet, rows []cmdline.Flag, bind map[string]any) {
	for _, r := range rows {
		if r.Name == "help" {
			continue // cobra adds its own
		}
		if r.Instead != "" {
			addForeignFlags(fs, []foreignFlag{r})
			continue
		}
		p, ok := bind[r.Name]
		if bind == nil {
			p, ok = any(new(string)), true
			if !r.Value {
				p = new(bool)
			}
		}
		switch p := p.(type) {
		case *string:
			ok = ok && r.Value
			fs.StringVarP(p, r.Name, r.Short, *p, r.Usage)
		case *time.Duration:
			ok = ok && r.Value
			fs.DurationVarP(p, r.Name, r.Short, *p, r.Usage)
		case *bool:
			ok = ok && !r.Value
			fs.BoolVarP(p, r.Name, r.Short, *p, r.Usage)
		default:
			ok = false
		}
		if !ok {
			panic("cli: flag --" + r.Name + " of the cmdline table has no binding of its kind")
		}
		if r.Hidden {
			_ = fs.MarkHidden(r.Name)
		}
	}
}
