package settings

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoadFile feeds arbitrary settings files to Load: no panic, settings
// always returned, and every problem of the file names a line of it.
func FuzzLoadFile(f *testing.F) {
	f.Add([]byte("backend: file\nmin_ttl: 5m\n# c\nlock_timeout: '0'\n"))
	f.Add([]byte("\ufeff---\nprompt: \"ykman\"\n  indented: x\nbackend file\nunknown: 1\nbackend: pass\nbackend: file\n"))
	f.Add([]byte("audit_max_size: 10MB\ncredential_process_timeout: -1s\ndebug: maybe\naudit_log: ~\n"))
	f.Add([]byte("a: \"unterminated\nb: 'x''y'\nc: \"\\q\"\n"))
	const path = "/fuzz/config.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load(Input{
			Flags:    map[string]string{"config": path},
			Getenv:   func(string) string { return "" },
			ReadFile: func(string) ([]byte, error) { return data, nil },
		})
		if s == nil {
			t.Fatal("no settings")
		}
		var es Errors
		if err == nil {
			return
		}
		if !errors.As(err, &es) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, p := range es {
			if p.Msg == "" || p.File != path || p.Line < 1 || p.Line > lines {
				t.Fatalf("problem %q outside the file (%d lines)", p.Error(), lines)
			}
		}
	})
}
