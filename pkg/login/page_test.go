package login

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWritePageForwardsToTheURLForTheUserAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "credo")
	url := `https://signin.aws.amazon.com/federation?Action=login&Issuer=credo&SigninToken=a"b<c>`
	page, err := WritePage(dir, url)
	if err != nil {
		t.Fatal(err)
	}
	if !IsPage(page) || filepath.Dir(page) != dir {
		t.Fatalf("page %s", page)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, page: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	data, _ := os.ReadFile(page)
	want := `content="0;url=https://signin.aws.amazon.com/federation?Action=login&amp;Issuer=credo&amp;SigninToken=a&#34;b&lt;c&gt;"`
	if !strings.Contains(string(data), want) || strings.Contains(string(data), `a"b`) {
		t.Errorf("page:\n%s\nwant the URL escaped: %s", data, want)
	}
	if got := PageURL(page); got != "file://"+filepath.ToSlash(page) {
		t.Errorf("PageURL = %s", got)
	}
	second, err := WritePage(dir, url)
	if err != nil || second == page {
		t.Errorf("second page %s, %v: want a new name", second, err)
	}
}

func TestRemovePages(t *testing.T) {
	dir := t.TempDir()
	fresh, err := WritePage(dir, "https://x/")
	if err != nil {
		t.Fatal(err)
	}
	old, err := WritePage(dir, "https://x/")
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "login-notes.html")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-2 * PageTTL)
	for _, p := range []string{old, other} {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Fatal(err)
		}
	}
	RemoveStalePages(dir, time.Now())
	for p, want := range map[string]bool{fresh: true, old: false, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", p, err == nil, want)
		}
	}
	if err := RemovePage(fresh); err != nil {
		t.Fatal(err)
	}
	if err := RemovePage(fresh); err != nil {
		t.Errorf("removing a page already gone: %v", err)
	}
	if err := RemovePage(other); err == nil {
		t.Error("RemovePage removed a file that is not a page")
	}
}
