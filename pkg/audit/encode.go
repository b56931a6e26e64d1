package audit

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON appends e as one JSON object, exactly as encoding/json would
// marshal it (TestEncodingMatchesJSON checks that). It is written by hand
// because the front binary writes one line per process: building
// encoding/json's encoder for Entry costs a fresh process more than the
// whole line is allowed to (make bench: the audit log line).
func (e *Entry) appendJSON(b []byte) []byte {
	b = append(b, `{"time":`...)
	b = appendTime(b, e.Time)
	b = append(b, `,"profile":`...)
	b = appendString(b, e.Profile)
	b = append(b, `,"roles":[`...)
	for i, r := range e.Roles {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, r)
	}
	b = append(b, `],"source":`...)
	b = appendString(b, e.Source)
	b = append(b, `,"mfa":`...)
	b = strconv.AppendBool(b, e.MFA)
	b = append(b, `,"access_key_id":`...)
	b = appendString(b, e.AccessKeyID)
	if e.Expiration != nil {
		b = append(b, `,"expiration":`...)
		b = appendTime(b, *e.Expiration)
	}
	b = append(b, `,"via":`...)
	b = appendString(b, e.Via)
	if e.Format != "" {
		b = append(b, `,"format":`...)
		b = appendString(b, e.Format)
	}
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(e.PID), 10)
	if e.Process != "" {
		b = append(b, `,"process":`...)
		b = appendString(b, e.Process)
	}
	if e.PPID != 0 {
		b = append(b, `,"ppid":`...)
		b = strconv.AppendInt(b, int64(e.PPID), 10)
	}
	if e.Parent != "" {
		b = append(b, `,"parent":`...)
		b = appendString(b, e.Parent)
	}
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does: \" \\ \n \r \t, other
// control characters and <, >, &, U+2028, U+2029 as \u escapes, invalid
// UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
