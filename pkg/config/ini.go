package config

import (
	"strings"
)

// This file is credo's reader for the INI dialect of ~/.aws/config and
// ~/.aws/credentials. It follows the AWS CLI (Python configparser as botocore
// sets it up) where that is well defined and reports, rather than guesses,
// where the CLI would fail or silently drop a section. It keeps every key and
// value as a substring of the file (no copies) and records line numbers, so
// that Load of a 1,000-profile file costs well under a millisecond.

// secKind is what a section header names.
type secKind uint8

const (
	secProfile    secKind = iota + 1 // [default], [profile NAME]; [NAME] in the credentials file
	secSSOSession                    // [sso-session NAME]
	secServices                      // [services NAME]
	secOther                         // [NAME] in the config file: not a profile (plugins, preview, ...)
)

// iniEntry is one "key = value" line. A key with an empty value followed by
// more-indented "sub = value" lines owns those lines as a nested block,
// stored in iniFile.subs[subLo:subHi]. It holds no pointers (key and value
// are offsets into the file), which keeps it small and out of the garbage
// collector's way.
type iniEntry struct {
	k, v         strRef
	line         int32
	subLo, subHi int32
}

// strRef is a string of an iniFile: data[off:off+n], or extra[-off-1] for
// the few strings that are not a slice of the file (a lower-cased key, a
// value with continuation lines).
type strRef struct{ off, n int32 }

// iniSub is one line of a nested block.
type iniSub struct {
	key, val string
	line     int32
}

// iniSection is one section header and its entries, iniFile.entries[lo:hi].
type iniSection struct {
	kind   secKind
	name   string
	line   int
	lo, hi int
}

// iniFile is the parsed form of one file.
type iniFile struct {
	path     string
	creds    bool   // the credentials file: headers are [NAME]
	data     string // the file, without a byte order mark
	extra    []string
	sections []iniSection
	entries  []iniEntry
	subs     []iniSub
	errs     []*Error
}

func (f *iniFile) str(r strRef) string {
	if r.off < 0 {
		return f.extra[-r.off-1]
	}
	return f.data[r.off : r.off+r.n]
}

func (f *iniFile) key(e *iniEntry) string { return f.str(e.k) }
func (f *iniFile) val(e *iniEntry) string { return f.str(e.v) }

// intern stores a string that is not a slice of the file.
func (f *iniFile) intern(s string) strRef {
	f.extra = append(f.extra, s)
	return strRef{off: int32(-len(f.extra))}
}

func (f *iniFile) pos(line int) Pos { return Pos{File: f.path, Line: line} }

func (f *iniFile) syntaxErr(line int, msg, hint string) {
	f.errs = append(f.errs, &Error{Pos: f.pos(line), Msg: msg, Hint: hint, Kind: ErrSyntax})
}

// parseINI parses data, the content of the file at path. creds selects the
// credentials file's header rules. It never fails as a whole: problems are
// collected in errs and the lines they spoil are skipped.
func parseINI(path, data string, creds bool) *iniFile {
	f := &iniFile{path: path, creds: creds}
	data = strings.TrimPrefix(data, "\ufeff")
	if len(data) >= 1<<31-1 {
		f.syntaxErr(1, "file is larger than 2 GiB", "")
		return f
	}
	f.data = data
	// Upper bounds (bar ":" delimiters) that save all slice growth.
	f.sections = make([]iniSection, 0, strings.Count(data, "[")+1)
	f.entries = make([]iniEntry, 0, strings.Count(data, "=")+1)

	cur := -1      // index of the current section; -1 none yet; -2 a broken header's
	curKey := -1   // index of the entry continuation lines attach to
	keyIndent := 0 // indentation of that entry's line
	line := 0
	next := 0 // offset of the next line
	for next < len(data) {
		start := next
		end := strings.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
			next = end
		} else {
			end += start
			next = end + 1
		}
		line++

		indent := start
		for indent < end && (data[indent] == ' ' || data[indent] == '\t') {
			indent++
		}
		for end > indent && (data[end-1] == ' ' || data[end-1] == '\t' || data[end-1] == '\r') {
			end--
		}
		if indent == end {
			continue
		}
		c := data[indent]
		if c == '#' || c == ';' {
			continue
		}
		text := data[indent:end]
		depth := indent - start

		// A line indented deeper than the key above it continues that key:
		// either a nested "sub = value" block (when the key's value is
		// empty) or more lines of its value.
		if depth > 0 && curKey >= 0 && depth > keyIndent {
			e := &f.entries[curKey]
			if e.v.n == 0 && e.v.off >= 0 || e.subHi > e.subLo {
				eq := strings.IndexByte(text, '=')
				if eq < 0 {
					f.syntaxErr(line, `indented line under `+q(f.key(e))+` is not "key = value"`, "")
					continue
				}
				k := lowerASCII(trimSpace(text[:eq]))
				if k == "" {
					f.syntaxErr(line, `indented line under `+q(f.key(e))+` has no key before "="`, "")
					continue
				}
				if e.subHi == e.subLo {
					e.subLo = int32(len(f.subs))
					e.subHi = e.subLo
				}
				f.subs = append(f.subs, iniSub{key: k, val: trimSpace(text[eq+1:]), line: int32(line)})
				e.subHi++
			} else {
				e.v = f.intern(f.val(e) + "\n" + text)
			}
			continue
		}

		if c == '[' {
			curKey = -1
			f.closeSection(cur)
			sec, ok := f.parseHeader(text, line)
			if !ok {
				cur = -2
				continue
			}
			sec.lo, sec.hi = len(f.entries), len(f.entries)
			f.sections = append(f.sections, sec)
			cur = len(f.sections) - 1
			continue
		}

		if cur < 0 {
			if cur == -1 {
				f.syntaxErr(line, "key outside any section: the file must start with a section header such as [default]", "")
				cur = -2
			}
			curKey = -1
			continue
		}

		// Find the delimiter, noting upper-case letters in the key on the way.
		d, upper := -1, false
		for i := 0; i < len(text); i++ {
			b := text[i]
			if b == '=' || b == ':' {
				d = i
				break
			}
			if 'A' <= b && b <= 'Z' {
				upper = true
			}
		}
		if d < 0 {
			// The line is not echoed: in the credentials file it may be a secret.
			f.syntaxErr(line, `line is not a section header, a comment or "key = value"`, "")
			curKey = -1
			continue
		}
		k := trimRightSpace(text[:d])
		if k == "" {
			f.syntaxErr(line, `no key before "`+text[d:d+1]+`"`, "")
			curKey = -1
			continue
		}
		vs := indent + d + 1 // the value's offset in data
		v := stripInlineComment(data[vs:end])
		ve := vs + len(v)
		for vs < ve && (data[vs] == ' ' || data[vs] == '\t') {
			vs++
		}
		for ve > vs && (data[ve-1] == ' ' || data[ve-1] == '\t') {
			ve--
		}
		var kr strRef
		if upper {
			kr = f.intern(strings.ToLower(k))
		} else {
			kr = strRef{off: int32(indent), n: int32(len(k))}
		}
		f.entries = append(f.entries, iniEntry{
			k:    kr,
			v:    strRef{off: int32(vs), n: int32(ve - vs)},
			line: int32(line),
		})
		curKey = len(f.entries) - 1
		keyIndent = depth
	}
	f.closeSection(cur)
	return f
}

func (f *iniFile) closeSection(i int) {
	if i >= 0 {
		f.sections[i].hi = len(f.entries)
	}
}

// parseHeader parses a "[...]" line.
func (f *iniFile) parseHeader(text string, line int) (iniSection, bool) {
	end := strings.IndexByte(text, ']')
	if end < 0 {
		f.syntaxErr(line, `section header `+q(text)+` has no closing "]"`, "")
		return iniSection{}, false
	}
	if after := trimSpace(text[end+1:]); after != "" && after[0] != '#' && after[0] != ';' {
		f.syntaxErr(line, `section header `+q(text)+` has text after "]"`, "")
		return iniSection{}, false
	}
	header := text[:end+1]
	inner := trimSpace(text[1:end])
	if inner == "" {
		f.syntaxErr(line, `section header `+q(header)+` has no name`, "")
		return iniSection{}, false
	}
	if f.creds {
		if i := indexSpace(inner); i >= 0 {
			h := ""
			if inner[:i] == "profile" {
				h = "in the credentials file a section is [" + trimSpace(inner[i:]) + `], without "profile"`
			}
			f.syntaxErr(line, `section header `+q(header)+`: a profile name cannot contain a space`, h)
			return iniSection{}, false
		}
		return iniSection{kind: secProfile, name: inner, line: line}, true
	}

	typ, name := inner, ""
	if i := indexSpace(inner); i >= 0 {
		typ, name = inner[:i], trimSpace(inner[i:])
	}
	var kind secKind
	switch typ {
	case "default":
		if name == "" {
			return iniSection{kind: secProfile, name: "default", line: line}, true
		}
		kind = 0
	case "profile":
		kind = secProfile
	case "sso-session":
		kind = secSSOSession
	case "services":
		kind = secServices
	default:
		if name == "" {
			return iniSection{kind: secOther, name: typ, line: line}, true
		}
	}
	if kind == 0 {
		f.syntaxErr(line, `section header `+q(header)+`: unknown section type `+q(typ),
			"a section is [default], [profile NAME], [sso-session NAME] or [services NAME]")
		return iniSection{}, false
	}
	if name == "" {
		f.syntaxErr(line, `section header `+q(header)+` has no `+typ+` name`, "")
		return iniSection{}, false
	}
	quoted := len(name) >= 2 && (name[0] == '"' || name[0] == '\'') && name[len(name)-1] == name[0]
	if quoted {
		name = name[1 : len(name)-1]
		if name == "" {
			f.syntaxErr(line, `section header `+q(header)+` has an empty `+typ+` name`, "")
			return iniSection{}, false
		}
	} else if indexSpace(name) >= 0 {
		f.syntaxErr(line, `section header `+q(header)+`: `+typ+` name `+q(name)+` contains a space`,
			`quote a name with spaces: [`+typ+` `+q(name)+`]`)
		return iniSection{}, false
	}
	return iniSection{kind: kind, name: name, line: line}, true
}

// indexSpace returns the index of the first space or tab, or -1.
func indexSpace(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			return i
		}
	}
	return -1
}

// stripInlineComment cuts a value at a "#" or ";" that follows a space or a
// tab, as the AWS SDKs' shared-file format does for top-level values.
func stripInlineComment(v string) string {
	for i := 1; i < len(v); i++ {
		if c := v[i]; (c == '#' || c == ';') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return v[:i]
		}
	}
	return v
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\r') {
		j--
	}
	return s[i:j]
}

func trimRightSpace(s string) string {
	j := len(s)
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\r') {
		j--
	}
	return s[:j]
}

// lowerASCII lower-cases ASCII letters, allocating only when there is one
// to change.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
