package prompt

import (
	"strings"
	"testing"
)

func TestValidCode(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"123456", true},
		{"000000", true},
		{" 123456\n", true},
		{"\t987654\r\n", true},
		{"12345", false},
		{"1234567", false},
		{"12 456", false},
		{"12345a", false},
		{"", false},
		{"١٢٣٤٥٦", false}, // Arabic-Indic digits are not ASCII digits
		{"+12345", false},
	} {
		err := ValidCode(tc.code)
		if (err == nil) != tc.ok {
			t.Errorf("ValidCode(%q) = %v, want ok=%v", tc.code, err, tc.ok)
			continue
		}
		if err != nil {
			if err.Error() != "MFA code must be six digits" {
				t.Errorf("ValidCode(%q) error = %q", tc.code, err)
			}
			if c := strings.TrimSpace(tc.code); c != "" && strings.Contains(err.Error(), c) {
				t.Errorf("ValidCode(%q) error repeats the code: %q", tc.code, err)
			}
		}
	}
}
