package hint

import (
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestNearest(t *testing.T) {
	names := []string{"dev", "dev2", "prod", "staging", "default"}
	for _, tc := range []struct {
		word string
		want []string
	}{
		{"dve", []string{"dev"}},          // two letters swapped
		{"de", []string{"dev"}},           // one short; dev2 and default are further
		{"prd", []string{"prod"}},         // one missing
		{"stagign", []string{"staging"}},  // swap at the end
		{"xyz", nil},                      // nothing near
		{"a", nil},                        // too short to guess
		{"dev3", []string{"dev", "dev2"}}, // one edit each
		{"defualt", []string{"default"}},  //
		{"prod", nil},                     // itself is not a suggestion
	} {
		if got := Nearest(tc.word, names); !slices.Equal(got, tc.want) {
			t.Errorf("Nearest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	if got := DidYouMean("dve", names); got != "did you mean dev?" {
		t.Errorf("DidYouMean(dve) = %q", got)
	}
	if got := DidYouMean("dev3", names); got != "did you mean dev or dev2?" {
		t.Errorf("DidYouMean(dev3) = %q", got)
	}
}

// TestNearestPathologicalWords: a huge word (a 1 MB profile name) gets no
// edit-distance table the size of the product of the lengths (issue 11,
// item 12: list and export ran for minutes).
func TestNearestPathologicalWords(t *testing.T) {
	word := strings.Repeat("x", 5000)
	cands := []string{word + "y", "dev", strings.Repeat("x", 4999)}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := Nearest(word, cands)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("Nearest allocated %d bytes for words of 5,000 bytes", alloc)
	}
	if len(got) != 1 || got[0] != word+"y" {
		t.Errorf("Nearest = %.20q..., want the word with one more letter (a prefix)", got)
	}
}
