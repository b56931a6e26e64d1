package settings

import (
	"strconv"
	"strings"

	"github.com/credo-cli/credo/pkg/hint"
)

// fileValue is a value of the settings file and its line.
type fileValue struct {
	value string
	line  int
}

// parse reads the settings file: YAML restricted to one flat mapping of
// scalars. Every line it cannot read, every unknown key and every repeated
// key is a Problem; the values of good lines are returned either way.
func parse(path string, data []byte) (map[string]fileValue, Errors) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	out := map[string]fileValue{}
	var errs Errors
	bad := func(line int, name, msg, hint string) {
		errs = append(errs, &Problem{File: path, Line: line, Name: name, Msg: msg, Hint: hint})
	}
	for n, line := range strings.Split(text, "\n") {
		n++
		line = strings.TrimRight(line, " \t\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' || line == "---" || line == "..." {
			continue
		}
		if trimmed != line {
			bad(n, "", "an indented line: settings are flat `key: value` lines", "")
			continue
		}
		key, rest, ok := strings.Cut(line, ":")
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
			bad(n, "", "not a `key: value` line", "")
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value, msg := scalar(strings.TrimSpace(rest))
		switch {
		case Lookup(key) == nil:
			bad(n, "", "unknown setting "+strconv.Quote(key), hint.DidYouMean(key, Names()))
		case msg != "":
			bad(n, key, msg, "")
		case out[key].line > 0:
			bad(n, key, "repeated (first set on line "+strconv.Itoa(out[key].line)+")", "")
		default:
			out[key] = fileValue{value: value, line: n}
		}
	}
	return out, errs
}

// scalar reads a YAML scalar as written after "key:": plain (a " #" starts a
// comment), single-quoted (a doubled quote is one quote) or double-quoted (with \" and \\).
// msg says why s is not one; "", "~" and "null" are the empty value.
func scalar(s string) (value, msg string) {
	if s == "" || s[0] == '#' {
		return "", "" // `key:` or `key: # a comment` is the empty value
	}
	switch s[0] {
	case '\'', '"':
		q := s[0]
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch {
			case c == q && q == '\'' && i+1 < len(s) && s[i+1] == '\'':
				b.WriteByte('\'')
				i++
			case c == q:
				if after := strings.TrimSpace(s[i+1:]); after != "" && after[0] != '#' {
					return "", "text after the closing quote"
				}
				return b.String(), ""
			case c == '\\' && q == '"':
				if i+1 >= len(s) || (s[i+1] != '"' && s[i+1] != '\\') {
					return "", `only \" and \\ are understood inside double quotes`
				}
				b.WriteByte(s[i+1])
				i++
			default:
				b.WriteByte(c)
			}
		}
		return "", "no closing quote"
	case '[', '{', '&', '*', '!', '|', '>', '%', '@', '`':
		return "", "a value YAML reads as more than a plain word (lists, maps and references are not settings)"
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	} else if i := strings.Index(s, "\t#"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if strings.Contains(s, ": ") || strings.HasSuffix(s, ":") {
		return "", "a value with \": \" in it must be quoted"
	}
	if s == "~" || s == "null" {
		return "", ""
	}
	return s, ""
}
