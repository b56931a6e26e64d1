package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// AppendProfile adds a section for profile name to the config file at path
// when the file has none: [default] for "default", else [profile NAME],
// followed by one "key = value" line for each of keys. It reports whether it
// added the section.
//
// Every byte already in the file stays as it was; a file without a final
// newline gets one (in the file's own style, CRLF or LF) and a blank line
// separates the new section from the last one. The file is replaced
// atomically: the new content goes to a temporary file in the same folder,
// which is synced and renamed over the old one, keeping its permissions. A
// symbolic link is followed and its target replaced. A missing file is
// created 0600, and missing folders 0700.
//
// Secrets never go into the config file: the keys aws_secret_access_key and
// aws_session_token are refused.
//
// lock, when not nil, is held around the read-modify-rename (its key is
// LockKey of the file), so that concurrent writers each add their section
// instead of the last rename winning; while it is held, temporary files
// that a killed writer left beside the file are removed.
func AppendProfile(path, name string, keys [][2]string, lock LockFunc) (bool, error) {
	if err := checkSectionName(name); err != nil {
		return false, err
	}
	for _, kv := range keys {
		if err := checkKeyValue(kv[0], kv[1]); err != nil {
			return false, fmt.Errorf("profile %q: %w", name, err)
		}
	}

	return rewriteFile(path, lock, func(target string, data []byte) ([]byte, bool, error) {
		if hasProfileSection(target, data, name) {
			return nil, false, nil
		}
		return appendSection(data, name, keys), true, nil
	})
}

// rewriteFile replaces the file at path (following a symbolic link) with
// what edit makes of its content, atomically, under lock (see
// AppendProfile). edit reports false when there is nothing to change. It
// re-reads the file before the rename and starts again when someone else
// (an editor, which takes no lock) wrote it meanwhile, so that a concurrent
// edit is not lost. It reports whether the file was replaced.
func rewriteFile(path string, lock LockFunc, edit func(target string, data []byte) ([]byte, bool, error)) (bool, error) {
	target := path
	if r, err := filepath.EvalSymlinks(path); err == nil {
		target = r
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}

	if lock != nil {
		unlock, err := lock(LockKey(target))
		if err != nil {
			return false, err
		}
		defer unlock()
		removeTempFiles(target)
	}

	for attempt := 0; ; attempt++ {
		data, mode, err := readForAppend(target)
		if err != nil {
			return false, err
		}
		out, change, err := edit(target, data)
		if err != nil || !change {
			return false, err
		}
		done, err := replaceFile(target, out, mode, data)
		if err != nil {
			return false, err
		}
		if done {
			return true, nil
		}
		if attempt == 2 {
			return false, fmt.Errorf("%s: the file keeps changing while credo writes it", target)
		}
	}
}

// LockFunc takes an exclusive cross-process lock named key and returns its
// release.
type LockFunc func(key string) (unlock func(), err error)

// LockKey is the name of the lock that every writer of the AWS file at path
// (after following symbolic links) holds while it rewrites it.
func LockKey(path string) string { return "aws-file:" + path }

// tempPattern is the name pattern of the temporary files replaceFile writes
// beside the file named base.
func tempPattern(base string) string { return "." + base + ".credo-*" }

// removeTempFiles deletes, best effort, the temporary files that writers of
// path killed before their rename left behind. Call it only with the file's
// lock held: then no live writer has one.
func removeTempFiles(path string) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	matches, _ := filepath.Glob(filepath.Join(dir, tempPattern(base)))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() {
			_ = os.Remove(m)
		}
	}
}

// readForAppend reads the file, or creates its folder when it is missing.
func readForAppend(path string) ([]byte, fs.FileMode, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, 0, err
		}
		return data, fi.Mode().Perm(), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, 0, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, 0, err
	}
	return nil, 0o600, nil
}

// hasProfileSection reports whether the config file content has a section
// for the profile (either spelling of the default profile counts).
func hasProfileSection(path string, data []byte, name string) bool {
	f := parseINI(path, string(data), false)
	for i := range f.sections {
		if f.sections[i].kind == secProfile && f.sections[i].name == name {
			return true
		}
	}
	return false
}

// appendSection returns data with the new section after it.
func appendSection(data []byte, name string, keys [][2]string) []byte {
	nl := "\n"
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		nl = "\r\n"
	}
	out := make([]byte, 0, len(data)+64+32*len(keys))
	out = append(out, data...)
	if len(out) > 0 {
		if out[len(out)-1] != '\n' {
			out = append(out, nl...)
		}
		if !endsWithBlankLine(out) {
			out = append(out, nl...)
		}
	}
	if name == "default" {
		out = append(out, "[default]"...)
	} else {
		out = append(out, "[profile "...)
		out = append(out, name...)
		out = append(out, ']')
	}
	out = append(out, nl...)
	for _, kv := range keys {
		out = append(out, kv[0]...)
		out = append(out, " = "...)
		out = append(out, kv[1]...)
		out = append(out, nl...)
	}
	return out
}

// endsWithBlankLine reports whether the last line of b (which ends with a
// newline) holds only white space.
func endsWithBlankLine(b []byte) bool {
	b = b[:len(b)-1]
	i := bytes.LastIndexByte(b, '\n')
	return len(bytes.TrimSpace(b[i+1:])) == 0
}

// replaceFile writes data to path atomically with the given permissions. It
// returns false, without writing, when the file no longer holds old.
func replaceFile(path string, data []byte, mode fs.FileMode, old []byte) (bool, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return false, err
	}
	renamed := false
	defer func() {
		if !renamed {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	now, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if !bytes.Equal(now, old) {
		return false, nil
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, err
	}
	renamed = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // not every system can sync a folder; the rename is done either way
		d.Close()
	}
	return true, nil
}

// CheckProfileName reports whether name can head a [profile NAME] section
// that reads back as the same profile.
func CheckProfileName(name string) error { return checkSectionName(name) }

func checkSectionName(name string) error {
	if name == "" {
		return errors.New("profile name is empty")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c == 0x7f || c == '[' || c == ']' {
			return fmt.Errorf("profile %q: a profile name cannot contain spaces, control characters, \"[\" or \"]\"", name)
		}
	}
	return nil
}

func checkKeyValue(k, v string) error {
	if k == "" {
		return errors.New("empty key")
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !isAlnum(c) && c != '_' && c != '-' && c != '.' {
			return fmt.Errorf("key %q: a key is letters, digits, _, - and .", k)
		}
	}
	switch strings.ToLower(k) {
	case "aws_secret_access_key", "aws_session_token":
		return fmt.Errorf("key %q: secrets go to the keyring, never to the config file", k)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return fmt.Errorf("key %q: the value contains a control character", k)
		}
	}
	if stripInlineComment(" "+v) != " "+v {
		return fmt.Errorf("key %q: the value contains \" #\" or \" ;\", which would start a comment", k)
	}
	return nil
}
