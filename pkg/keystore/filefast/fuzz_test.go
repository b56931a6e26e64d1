package filefast

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/keystore/item"
)

// FuzzItem feeds arbitrary item files to every reader of them: the version
// 1 JWE (99designs/keyring's format), the version 2 sealed item and header,
// the JSON payload inside, and the item names: no panic, and nothing
// decrypts but what was sealed with the key.
func FuzzItem(f *testing.F) {
	const pass = "fuzz passphrase"
	key := bytes.Repeat([]byte{7}, 32)
	payload, _ := json.Marshal(item.KeyPayload{Version: item.FormatVersion, LongTermKey: item.LongTermKey{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s"}})
	if v1, err := Encode(payload, pass, "2026-01-01", rand.Reader); err == nil {
		f.Add(v1, "v1/key/dev")
	}
	if v2, err := SealItem(key, "v2/key/dev", payload, rand.Reader); err == nil {
		f.Add(v2, "v2/key/dev")
	}
	f.Add([]byte(`{"format":"credo file keyring","version":2,"kdf":"argon2id","params":{"time":1,"memory":8,"threads":1},"salt":"AAAAAAAAAAAAAAAAAAAAAA==","check":"AA=="}`), "")
	f.Add([]byte("eyJhbGciOiJQQkVTMi1IUzI1NitBMTI4S1ciLCJwMmMiOjk5OTk5OTk5OTl9.a.b.c.d"), item.SessionName("dev", "abc", time.Unix(1900000000, 0)))
	f.Fuzz(func(t *testing.T, token []byte, name string) {
		if j, err := parseJWE(token); err == nil {
			// Decode runs the key derivation the header asks for: keep
			// each input cheap.
			if j.hdr.P2C == nil || *j.hdr.P2C <= 10_000 {
				_, _ = Decode(token, pass)
			}
		}
		if IsV2(token) {
			if data, err := OpenItem(key, name, token); err == nil {
				var p item.KeyPayload
				_ = item.DecodePayload(data, &p)
			}
		}
		var h Header
		if json.Unmarshal(token, &h) == nil {
			_ = h.Params.valid()
		}
		var kp item.KeyPayload
		var sp item.SessionPayload
		_ = item.DecodePayload(token, &kp)
		_ = item.DecodePayload(token, &sp)
		_, _, _ = item.ParseKeyName(name)
		_, _, _, _ = item.ParseSessionName(name)
		if ItemName(FileName(name)) != name && isValidUTF8(name) {
			t.Fatalf("file name %q does not read back as %q", FileName(name), name)
		}
	})
}

func isValidUTF8(s string) bool { return bytes.Equal([]byte(string([]rune(s))), []byte(s)) }
