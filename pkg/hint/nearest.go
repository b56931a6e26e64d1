package hint

import (
	"sort"
	"strings"
)

// Nearest returns the candidates that look like a mistyped word: at most
// two edits away (a swap of two neighbours is one edit), or starting with
// it; only those nearest of all, at most three.
func Nearest(word string, candidates []string) []string {
	type near struct {
		name string
		d    int
	}
	var found []near
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == word || seen[c] {
			continue
		}
		seen[c] = true
		// Edits are at least the difference in length: compare only words
		// that can be two edits apart, and no pathological ones (the
		// distance costs the product of the lengths).
		d := 3
		if len(word) <= maxWord && len(c) <= maxWord && abs(len(word)-len(c)) <= 2 {
			d = distance(word, c)
		}
		switch {
		case d <= 2 && d < len([]rune(word)):
		case len(word) >= 2 && strings.HasPrefix(c, word):
			d = 3
		default:
			continue
		}
		found = append(found, near{c, d})
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].d != found[j].d {
			return found[i].d < found[j].d
		}
		return found[i].name < found[j].name
	})
	var out []string
	for i := 0; i < len(found) && i < 3 && found[i].d == found[0].d; i++ {
		out = append(out, found[i].name)
	}
	return out
}

// maxWord bounds the words Nearest measures edits between.
const maxWord = 256

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// DidYouMean is the hint for a mistyped word, "did you mean dev?" or
// "did you mean dev or dev2?", or "" when nothing is near.
func DidYouMean(word string, candidates []string) string {
	n := Nearest(word, candidates)
	switch len(n) {
	case 0:
		return ""
	case 1:
		return "did you mean " + n[0] + "?"
	}
	return "did you mean " + strings.Join(n[:len(n)-1], ", ") + " or " + n[len(n)-1] + "?"
}

// distance is the optimal string alignment distance between a and b: the
// edits (insert, delete, replace, swap of neighbours) from one to the other.
func distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
}
