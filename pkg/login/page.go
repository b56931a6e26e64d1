package login

// Rules of this file: the sign-in URL is a 15-minute secret, and a
// process's argv is readable by every local user (/proc/PID/cmdline). So the
// browser is handed the path of a page, readable by the user alone, that
// forwards to the URL; the page is removed a minute later.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PageTTL is how long a forwarding page stays on disk: long enough for a
// browser started cold to read it.
const PageTTL = time.Minute

const (
	pagePrefix = "login-"
	pageSuffix = ".html"
)

// WritePage writes, in the private folder dir (created 0700 when missing), a
// new 0600 page that forwards the browser to signinURL at once, and returns
// its path.
func WritePage(dir, signinURL string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("sign-in page folder: %w", err)
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	path := filepath.Join(dir, pagePrefix+hex.EncodeToString(rnd[:])+pageSuffix)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("sign-in page: %w", err)
	}
	u := html.EscapeString(signinURL)
	page := `<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=` + u + `">
<title>credo: opening the AWS console</title>
</head><body><p>Opening the <a href="` + u + `">AWS console</a>&hellip;</p></body></html>
`
	if _, err := f.WriteString(page); err != nil {
		f.Close()
		_ = os.Remove(path)
		return "", fmt.Errorf("sign-in page: %w", err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return "", fmt.Errorf("sign-in page: %w", err)
	}
	return path, nil
}

// PageURL is the file: URL of the page at path, for the browser.
func PageURL(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a windows drive path: file:///C:/...
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// IsPage reports whether path names a page WritePage writes, so that a
// remover is never pointed at another file.
func IsPage(path string) bool {
	base := filepath.Base(path)
	return strings.HasPrefix(base, pagePrefix) && strings.HasSuffix(base, pageSuffix) &&
		len(base) == len(pagePrefix)+32+len(pageSuffix)
}

// RemovePage deletes the page at path; one already gone is fine.
func RemovePage(path string) error {
	if !IsPage(path) {
		return fmt.Errorf("%s is not a sign-in page of credo", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// RemoveStalePages deletes the pages in dir older than PageTTL, which a
// remover that did not live to do it left behind.
func RemoveStalePages(dir string, now time.Time) {
	matches, _ := filepath.Glob(filepath.Join(dir, pagePrefix+"*"+pageSuffix))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && IsPage(m) && now.Sub(fi.ModTime()) > PageTTL {
			_ = os.Remove(m)
		}
	}
}
