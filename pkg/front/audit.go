package front

import (
	"fmt"
	"os"

	"github.com/credo-cli/credo/pkg/audit"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/output"
)

// record writes the audit line of a cached session the front hands out:
// to the process that ran credo (export), or to command, which this
// process becomes (exec).
func record(env *Env, req *request, c output.Credentials, command string) {
	if req.audit.Off {
		return
	}
	e := audit.Entry{Time: env.Now(), Profile: req.profile, Source: plan.OriginCache, AccessKeyID: c.AccessKeyID, Expiration: &c.Expires}
	if req.top != nil {
		o := plan.OriginOf(req.top, true)
		e.Roles, e.MFA = o.Roles, o.MFA
	}
	if command == "" {
		e.Via, e.Format = audit.ExportVia(req.format)
		e.RanBy()
	} else {
		e.Via = audit.ViaExec
		e.Runs(command, os.Getpid(), os.Getppid())
	}
	if err := audit.Record(req.audit, e); err != nil && env.Stderr != nil {
		fmt.Fprintf(env.Stderr, "credo: warning: %v\n", err)
	}
}
