package hint

import (
	"slices"
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
