package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore"
)

// ListOptions are the inputs of `credo list`.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Store  func() (keystore.Store, error)
	Now    func() time.Time
	Getenv func(string) string
	// MinTTL is the min_ttl setting: a session with less left is not used.
	MinTTL time.Duration
	JSON   bool
	// Profiles and Credentials print names only, one a line, as aws-vault
	// list --profiles and --credentials do.
	Profiles    bool
	Credentials bool
}

// NewCmdList builds `credo list`.
func NewCmdList(f *Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.env.IO, Config: f.Config, Store: f.Store, Now: f.env.Now, Getenv: f.env.Getenv}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles, stored keys and cached sessions",
		Long: `List every profile of the AWS config and credentials files and every
profile with keys in the keyring: whether long-term keys are stored, and the
cached sessions that "credo exec PROFILE" would use, with the time they have
left. Sessions it would not use (made with other flags such as -d or
--no-session, made before the profile changed, or with less than min_ttl
left) are counted as unused. No secret is ever printed, and no item is
decrypted.`,
		Example: `  $ credo list
  $ credo list --json | jq -r '.[] | select(.stored_keys) | .profile'`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if n := countTrue(opts.JSON, opts.Profiles, opts.Credentials); n > 1 {
				return flagErrorf("--json, --profiles and --credentials cannot be used together")
			}
			opts.MinTTL = f.settings.MinTTL
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print JSON for scripts")
	cmd.Flags().BoolVar(&opts.Profiles, "profiles", false, "Print only the names of the profiles in the AWS config files, one a line")
	cmd.Flags().BoolVar(&opts.Credentials, "credentials", false, "Print only the names of the profiles with stored keys, one a line")
	addForeignFlags(cmd.Flags(), awsVaultCommandFlags["list"])
	return cmd
}

type listSession struct {
	Expiration  time.Time `json:"expiration"`
	SecondsLeft int64     `json:"seconds_left"`
}

type listEntry struct {
	Profile    string        `json:"profile"`
	InConfig   bool          `json:"in_config"`
	StoredKeys bool          `json:"stored_keys"`
	Sessions   []listSession `json:"sessions"` // those exec would use
	Unused     int           `json:"unused_sessions"`
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// storedProfiles opens the store and lists the profiles with stored keys.
func storedProfiles(opts *ListOptions) (keystore.Store, []string, error) {
	store, err := opts.Store()
	if err != nil {
		return nil, nil, err
	}
	keys, err := store.KeyProfiles()
	return store, keys, err
}

func listRun(opts *ListOptions) error {
	if opts.Credentials {
		_, keys, err := storedProfiles(opts)
		if err != nil {
			return err
		}
		for _, k := range keys {
			fmt.Fprintln(opts.IO.Out, k)
		}
		return nil
	}
	cfg, err := opts.Config()
	if cfg == nil {
		return err
	}
	if err != nil {
		// Still list what could be read: list is how people look around.
		fmt.Fprintf(opts.IO.ErrOut, "credo: warning: %s\n", firstLine(err.Error()))
	}
	if opts.Profiles {
		for _, n := range cfg.Names() {
			fmt.Fprintln(opts.IO.Out, n)
		}
		return nil
	}
	store, keys, err := storedProfiles(opts)
	if err != nil {
		return err
	}
	refs, err := store.Sessions("")
	if err != nil {
		return err
	}
	now := opts.Now()
	byName := map[string]*listEntry{}
	var order []string
	get := func(name string) *listEntry {
		e, ok := byName[name]
		if !ok {
			e = &listEntry{Profile: name, Sessions: []listSession{}}
			byName[name] = e
			order = append(order, name)
		}
		return e
	}
	for _, n := range cfg.Names() {
		get(n).InConfig = true
	}
	sort.Strings(keys)
	for _, n := range keys {
		get(n).StoredKeys = true
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Expiration.Before(refs[j].Expiration) })
	for _, r := range refs {
		if r.Expiration.After(now) {
			get(r.Profile) // a profile known only by its sessions is listed too
		}
	}
	// A profile's sessions are those exec would look up: the target step's
	// profile and cache key, with more than min_ttl left (plan.TargetKey is
	// the rule the resolver and the front follow).
	// With files that do not parse, exec uses nothing: list every session
	// under the profile that made it (list warned above).
	used := map[*keystore.SessionRef]bool{}
	use := func(e *listEntry, r *keystore.SessionRef) {
		used[r] = true
		e.Sessions = append(e.Sessions, listSession{Expiration: r.Expiration.UTC(), SecondsLeft: int64(r.Expiration.Sub(now) / time.Second)})
	}
	for i := range refs {
		if r := &refs[i]; cfg.HasSyntaxErrors() && r.Expiration.After(now) {
			use(byName[r.Profile], r)
		}
	}
	for _, name := range order {
		if cfg.HasSyntaxErrors() {
			break
		}
		chain, err := cfg.Chain(name)
		if err != nil {
			continue
		}
		step, key, err := plan.TargetKey(chain, plan.Options{}, opts.Getenv)
		if err != nil {
			continue
		}
		e := byName[name]
		for i := range refs {
			r := &refs[i]
			if r.Profile == step && r.CacheKey == key && r.Expiration.After(now.Add(opts.MinTTL)) {
				use(e, r)
			}
		}
	}
	for i := range refs {
		if r := &refs[i]; !used[r] && r.Expiration.After(now) {
			byName[r.Profile].Unused++
		}
	}
	entries := make([]*listEntry, 0, len(order))
	for _, n := range order {
		entries = append(entries, byName[n])
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tSTORED KEYS\tSESSIONS")
	for _, e := range entries {
		keys := "no"
		if e.StoredKeys {
			keys = "yes"
		}
		// A name longer than a column is cut: --json has it whole.
		sessions := describeSessions(e.Sessions)
		if e.Unused > 0 {
			sessions += fmt.Sprintf(" (%d unused)", e.Unused)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", config.Clip(e.Profile), keys, sessions)
	}
	return tw.Flush()
}

func describeSessions(ss []listSession) string {
	if len(ss) == 0 {
		return "-"
	}
	best := ss[len(ss)-1]
	left := (time.Duration(best.SecondsLeft) * time.Second).Round(time.Minute)
	if len(ss) == 1 {
		return fmt.Sprintf("%s left", shortDuration(left))
	}
	return fmt.Sprintf("%d (longest %s left)", len(ss), shortDuration(left))
}

func shortDuration(d time.Duration) string {
	if d < time.Minute {
		return "<1m"
	}
	h := int(d / time.Hour)
	m := int((d % time.Hour) / time.Minute)
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}
