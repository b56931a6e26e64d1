package item

import (
	"errors"
	"testing"
	"time"
)

func TestNamesRoundTrip(t *testing.T) {
	for _, p := range []string{"dev", "team/dev", ".hidden", "a b;c~d%e", "é"} {
		exp := time.Unix(1900000000, 0)
		prof, key, gotExp, ok := ParseSessionName(SessionName(p, "k/1", exp))
		if !ok || prof != p || key != "k/1" || !gotExp.Equal(exp) {
			t.Errorf("ParseSessionName(SessionName(%q)) = %q, %q, %v, %v", p, prof, key, gotExp, ok)
		}
		if got, _, ok := ParseKeyName(KeyName(p)); !ok || got != p {
			t.Errorf("ParseKeyName(KeyName(%q)) = %q, %v", p, got, ok)
		}
	}
	tmp, err := TmpName(SessionName("dev", "k", time.Unix(1, 0)))
	if err != nil || !IsTmpName(tmp) {
		t.Fatalf("TmpName = %q, %v", tmp, err)
	}
	if _, _, _, ok := ParseSessionName(tmp); ok {
		t.Errorf("a temporary item parsed as a session: %q", tmp)
	}
}

func TestDecodePayloadAndCorrupt(t *testing.T) {
	var p SessionPayload
	if d := DecodePayload([]byte(`{"Version":1,"AccessKeyId":"A","Expiration":"2030-01-01T00:00:00Z"}`), &p); d != "" || p.AccessKeyID != "A" {
		t.Fatalf("DecodePayload = %q, %+v", d, p)
	}
	for in, want := range map[string]string{`x`: "invalid JSON", `{}`: "no format version", `{"Version":2}`: "format version 2 is not supported (this credo reads version 1)"} {
		if d := DecodePayload([]byte(in), &p); d != want {
			t.Errorf("DecodePayload(%s) = %q, want %q", in, d, want)
		}
	}
	if err := Corrupt("it's", "stored key", "x"); !errors.Is(err, ErrCorrupt) || err.Error() != `profile "it's": stored key is unreadable: x` {
		t.Errorf("Corrupt = %v", err)
	}
}
