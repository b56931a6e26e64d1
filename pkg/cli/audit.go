package cli

import (
	"fmt"
	"time"

	"github.com/credo-cli/credo/pkg/audit"
)

// auditEntry is the audit log line for credentials r of profile, handed
// out via; the caller names the requesting process.
func auditEntry(now time.Time, profile string, r retrieved, via string) audit.Entry {
	e := audit.Entry{
		Time:        now,
		Profile:     profile,
		Roles:       r.Origin.Roles,
		Source:      r.Origin.Source,
		MFA:         r.Origin.MFA,
		AccessKeyID: r.Creds.AccessKeyID,
		Via:         via,
	}
	if r.Creds.CanExpire {
		exp := r.Creds.Expires
		e.Expiration = &exp
	}
	return e
}

// audit appends e to the audit log. The credentials are handed out
// whatever happens: a log that cannot be written is a warning.
func (f *Factory) audit(e audit.Entry) {
	if err := audit.Record(f.auditConfig(), e); err != nil {
		fmt.Fprintf(f.env.IO.ErrOut, "credo: warning: %v\n", err)
	}
}

// auditConfig says whether and where the audit log is written.
func (f *Factory) auditConfig() audit.Config {
	return audit.NewConfig(f.settings.AuditLog, f.settings.AuditMaxSize, f.env.Getenv)
}
