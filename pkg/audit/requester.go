package audit

import (
	"os"
	"path/filepath"
)

// RanBy records as the requester the process that ran credo (the shell
// evaluating export, or the SDK running credential_process) and its parent.
func (e *Entry) RanBy() {
	e.PID = os.Getppid()
	e.Process, e.PPID = procStat(e.PID)
	e.Parent, _ = procStat(e.PPID)
}

// Runs records as the requester command, running as pid with parent ppid:
// for exec, the command credo becomes (credo's own pid and parent) or
// starts (the child's pid, credo's own as parent).
func (e *Entry) Runs(command string, pid, ppid int) {
	e.PID = pid
	e.Process = filepath.Base(command)
	e.PPID = ppid
	e.Parent, _ = procStat(ppid)
}

// ExportVia is how `export --format format` hands credentials out: the json
// format is the credential_process one, the others go to a shell or file.
func ExportVia(format string) (via, fmt string) {
	if format == "json" {
		return ViaCredentialProcess, ""
	}
	return ViaExport, format
}

// RequestedBy records as the requester process pid (a client of a local
// endpoint) and its parent.
func (e *Entry) RequestedBy(pid int) {
	e.PID = pid
	e.Process, e.PPID = procStat(pid)
	e.Parent, _ = procStat(e.PPID)
}
