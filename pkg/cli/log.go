package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/audit"
	"github.com/credo-cli/credo/pkg/iostreams"
)

// LogOptions are the inputs of `credo log`.
type LogOptions struct {
	IO    *iostreams.IOStreams
	Audit func() audit.Config
	Now   func() time.Time

	Profile string
	Since   string
	JSON    bool
}

// NewCmdLog builds `credo log`.
func NewCmdLog(f *Factory, runF func(*LogOptions) error) *cobra.Command {
	opts := &LogOptions{IO: f.env.IO, Audit: f.auditConfig, Now: f.env.Now}
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Show the audit log of credentials handed out",
		Long: `Show credo's local audit log: one entry per credential handed out by exec,
export, credential_process, the local endpoints of exec --server and
--ec2-server (one per request), login and rotate. Each entry has the time,
the profile, the chain's role ARNs, the source (GetSessionToken,
AssumeRole, GetRoleCredentials, AssumeRoleWithWebIdentity, cache,
credential_process, static; GetFederationToken for login with IAM user
keys, CreateAccessKey for rotate), whether MFA stands behind the
credentials, the access key id (as CloudTrail records it), the expiration,
how they were handed out, and the process that received them. Never a
secret.

The log is $XDG_STATE_HOME/credo/audit.log (~/.local/state/credo), rotated
to audit.log.1 past audit_max_size; audit_log: false turns it off.`,
		Example: `  # What did credo hand out in the last hour?
  $ credo log --since 1h

  # Which command got this access key? (from a CloudTrail event)
  $ credo log --json | jq 'select(.access_key_id == "ASIAEXAMPLE")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return logRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Profile, "profile", "", "Only the entries of this `profile`")
	fl.StringVar(&opts.Since, "since", "", "Only entries newer than this `duration` (1h, 7d) or RFC 3339 time")
	fl.BoolVar(&opts.JSON, "json", false, "Print the entries as stored, one JSON object a line")
	_ = cmd.RegisterFlagCompletionFunc("profile", func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return f.completeProfiles(c, nil, toComplete)
	})
	return cmd
}

// parseSince reads --since: a Go duration, a number of days (7d), or an
// RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, flagErrorf("--since %q is not a duration such as 1h or 7d, nor an RFC 3339 time", s)
}

func logRun(opts *LogOptions) error {
	var since time.Time
	if opts.Since != "" {
		var err error
		if since, err = parseSince(opts.Since, opts.Now()); err != nil {
			return err
		}
	}
	c := opts.Audit()
	if c.Off {
		fmt.Fprintln(opts.IO.ErrOut, "credo: warning: the audit log is off (audit_log: false); showing what it holds from before")
	}
	if c.Path == "" {
		return fmt.Errorf("audit log: no home folder to keep it in")
	}
	entries, skipped, err := audit.Read(c.Path)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if skipped > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "credo: warning: %s: skipped %d lines that are not entries (cut short by a crash?)\n", c.Path, skipped)
	}
	var shown []audit.Entry
	for _, e := range entries {
		if (opts.Profile == "" || e.Profile == opts.Profile) && !e.Time.Before(since) {
			shown = append(shown, e)
		}
	}
	if opts.JSON {
		var b strings.Builder
		for _, e := range shown {
			b.Write(e.Line())
			b.WriteByte('\n')
		}
		_, err := io.WriteString(opts.IO.Out, b.String())
		return err
	}
	if len(shown) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No entries.")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tPROFILE\tSOURCE\tMFA\tACCESS KEY ID\tEXPIRES\tVIA\tPROCESS\tROLES")
	for _, e := range shown {
		mfa := "no"
		if e.MFA {
			mfa = "yes"
		}
		exp := "-"
		if e.Expiration != nil {
			exp = e.Expiration.Local().Format("15:04:05")
			if e.Expiration.Local().YearDay() != e.Time.Local().YearDay() {
				exp = e.Expiration.Local().Format("01-02 15:04")
			}
		}
		via := e.Via
		if e.Format != "" {
			via += " " + e.Format
		}
		proc := strconv.Itoa(e.PID)
		if e.Process != "" {
			proc = e.Process + "[" + proc + "]"
		}
		if e.Parent != "" {
			proc += " < " + e.Parent
		}
		roles := strings.Join(e.Roles, ",")
		if roles == "" {
			roles = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format("2006-01-02 15:04:05"), e.Profile, e.Source, mfa, e.AccessKeyID, exp, via, proc, roles)
	}
	return tw.Flush()
}
