package memstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// The namespace and a session's key description are the digests they have
// always been ("<length>:<part>;" each, then SHA-256): a session held by a
// credo of one version is found by the next, and the front and credo-core
// agree.
func TestDigestsKeepTheirFormat(t *testing.T) {
	ref := func(format string, args ...any) []byte {
		h := sha256.New()
		fmt.Fprintf(h, format, args...)
		return h.Sum(nil)
	}
	parts := []string{"file", "/home/u/.local/share/credo/keyring", "", "", "/home/u", "credo:", "login", "é;:x"}
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	if got, want := Namespace(parts...), hex.EncodeToString(h.Sum(nil)[:8]); got != want {
		t.Errorf("Namespace = %s, want %s", got, want)
	}
	if got := Namespace(); got != hex.EncodeToString(ref("")[:8]) {
		t.Errorf("Namespace() = %s", got)
	}
	d := sessionDesc("ns1", "prod;1", "key:2")
	if want := sessionPrefix + "ns1:" + hex.EncodeToString(ref("%d:%s;%s", 6, "prod;1", "key:2")[:16]); d != want {
		t.Errorf("sessionDesc = %s, want %s", d, want)
	}
}
