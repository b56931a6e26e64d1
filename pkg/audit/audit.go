// Package audit keeps credo's local audit log: one JSON line per credential
// handed out (exec, export, credential_process, each request to the local
// endpoints, login, rotate), appended to $XDG_STATE_HOME/credo/audit.log.
//
// Rules of this package:
//   - an Entry has no field for a secret: the access key id is recorded
//     (CloudTrail records it too), never a secret key, session token,
//     passphrase or MFA code;
//   - every line is one write(2) on a file opened with O_APPEND, so lines
//     from many concurrent processes never interleave and a crash loses at
//     most the line being written;
//   - the file is 0600 in a 0700 folder, and is rotated to audit.log.1 when
//     a line would take it past the size limit, under a lock so that two
//     processes never rotate twice;
//   - it imports only the standard library (and pkg/xdg): the lean front binary writes
//     the line for the sessions it serves.
package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/credo-cli/credo/pkg/xdg"
)

// FileName is the log's name in credo's state folder.
const FileName = "audit.log"

// The ways credentials are handed out (Entry.Via).
const (
	ViaExec              = "exec"
	ViaExport            = "export"
	ViaCredentialProcess = "credential_process"
	ViaECSServer         = "exec --server"
	ViaEC2Server         = "exec --ec2-server"
	ViaLogin             = "login"
	ViaRotate            = "rotate"
)

// Sources beyond those of a credential chain: the key `credo rotate`
// makes, and the federated user's session `credo login` signs in with
// when a profile gives IAM user keys.
const (
	SourceCreateAccessKey    = "CreateAccessKey"
	SourceGetFederationToken = "GetFederationToken"
)

// Entry is one line of the log. It has no field that could hold a secret.
type Entry struct {
	// Time is when the credentials were handed out (RFC 3339, UTC).
	Time time.Time `json:"time"`
	// Profile is the profile asked for.
	Profile string `json:"profile"`
	// Roles are the role ARNs of the profile's chain, first assumed first.
	Roles []string `json:"roles"`
	// Source is where the credentials came from: GetSessionToken,
	// AssumeRole, GetRoleCredentials, AssumeRoleWithWebIdentity, cache,
	// credential_process, static (or CreateAccessKey for rotate,
	// GetFederationToken for login with user keys).
	Source string `json:"source"`
	// MFA reports whether an MFA code stands behind the credentials.
	MFA bool `json:"mfa"`
	// AccessKeyID is the (temporary) access key id handed out.
	AccessKeyID string `json:"access_key_id"`
	// Expiration is when the credentials expire; nil for long-term keys.
	Expiration *time.Time `json:"expiration,omitempty"`
	// Via is how they were handed out (see the Via constants); Format is
	// export's format.
	Via    string `json:"via"`
	Format string `json:"format,omitempty"`
	// PID, Process, PPID and Parent name the process that received the
	// credentials and its parent: the command exec runs, or the process
	// that ran credo (the shell, or the SDK running credential_process).
	PID     int    `json:"pid"`
	Process string `json:"process,omitempty"`
	PPID    int    `json:"ppid,omitempty"`
	Parent  string `json:"parent,omitempty"`

	raw []byte // the line as stored, for entries Read returns
}

// Line is the entry's line as stored (without the newline), for entries
// that Read returned; nil otherwise.
func (e Entry) Line() []byte { return e.raw }

// Config says whether and where the log is written.
type Config struct {
	// Off turns the log off (audit_log: false).
	Off bool
	// Path is the log file; see DefaultPath.
	Path string
	// MaxSize is the size past which the log is rotated.
	MaxSize int64
}

// DefaultPath is $XDG_STATE_HOME/credo/audit.log, else
// ~/.local/state/credo/audit.log (%LOCALAPPDATA%\credo on Windows); "" when
// there is no home folder.
func DefaultPath(getenv func(string) string) string {
	d := xdg.State.Credo(getenv)
	if d == "" {
		return ""
	}
	return filepath.Join(d, FileName)
}

// minSize keeps a rotation from happening on every line.
const minSize = 4 << 10

// NewConfig is the Config of the audit_log (on) and audit_max_size
// settings (package settings reads both); a size under 4KiB counts as
// 4KiB, so that the log is always bounded and never rotated at every line.
func NewConfig(on bool, maxSize int64, getenv func(string) string) Config {
	return Config{Off: !on, Path: DefaultPath(getenv), MaxSize: max(maxSize, minSize)}
}

// Record appends e to the log c names, unless it is off. Its error is for
// the caller to report as a warning: a credential already handed out is
// not taken back because the log could not be written.
func Record(c Config, e Entry) error {
	if c.Off {
		return nil
	}
	if c.Path == "" {
		return errors.New("audit log: no home folder to keep it in")
	}
	return Append(c.Path, c.MaxSize, e)
}

// Append writes e as one line at the end of the log at path, rotating it
// first when the line would take it past maxSize (0: never).
func Append(path string, maxSize int64, e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC().Truncate(time.Millisecond)
	if e.Expiration != nil {
		exp := e.Expiration.UTC()
		e.Expiration = &exp
	}
	line := e.appendJSON(make([]byte, 0, 512))
	line = append(line, '\n')
	f, err := open(path)
	if err != nil {
		return err
	}
	// A log that cannot be rotated still gets the line (it grows past
	// maxSize until rotating works again): the error is only a warning.
	var rotErr error
	if maxSize > 0 {
		if fi, err := f.Stat(); err == nil && fi.Size() > 0 && fi.Size()+int64(len(line)) > maxSize {
			rotated, err := rotate(f, fi, path)
			if err != nil {
				rotErr = fmt.Errorf("audit log: rotating %s: %w", path, err)
			}
			if rotated {
				f.Close()
				if f, err = open(path); err != nil {
					return errors.Join(rotErr, err)
				}
			}
		}
	}
	_, err = f.Write(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(rotErr, fmt.Errorf("audit log: %w", err))
	}
	return rotErr
}

// open opens the log for appending, creating it (0600) and its folder
// (0700) when missing.
func open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return f, nil
}

// rotate renames the log at path, which f (with info fi) has open, to
// path.1, replacing an older one. It holds f's lock while it checks that
// path is still f's file, so that of many processes finding the log full
// at once only one renames it; the others then write to the new file.
func rotate(f *os.File, fi os.FileInfo, path string) (bool, error) {
	unlock, err := lockFile(f)
	if err != nil {
		return false, err
	}
	defer unlock()
	now, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil // renamed by another process; a new one is created
	}
	if err != nil {
		return false, err
	}
	if !os.SameFile(now, fi) {
		return true, nil
	}
	if closeBeforeRename {
		f.Close()
	}
	return true, os.Rename(path, path+".1")
}

// Read returns the entries of the log at path, the rotated file's first,
// and how many lines it skipped because they are not entries (a line a
// crash cut short). A log that does not exist is empty.
func Read(path string) (entries []Entry, skipped int, err error) {
	for _, p := range []string{path + ".1", path} {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		n, err := scan(bytes.NewReader(data), func(e Entry) { entries = append(entries, e) })
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", p, err)
		}
		skipped += n
	}
	return entries, skipped, nil
}

// parseLine reads one entry, keeping the line as stored.
func parseLine(line []byte) (Entry, bool) {
	var e Entry
	if json.Unmarshal(line, &e) != nil || e.Time.IsZero() {
		return Entry{}, false
	}
	e.raw = append([]byte(nil), line...)
	return e, true
}

// scan calls fn for each entry in r and returns the number of lines that
// are not entries.
func scan(r io.Reader, fn func(Entry)) (skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e, ok := parseLine(line)
		if !ok {
			// A line a crash cut short has the next process's line glued
			// to its end (it lacks the newline): keep that one.
			skipped++
			if i := bytes.LastIndex(line, []byte(`{"time":`)); i > 0 {
				e, ok = parseLine(line[i:])
			}
			if !ok {
				continue
			}
		}
		fn(e)
	}
	return skipped, sc.Err()
}
