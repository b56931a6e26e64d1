package status

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestReadAndWrite(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name             string
		env              map[string]string
		text, json, word string
	}{
		{
			name: "role with time left",
			env:  map[string]string{"CREDO_PROFILE": "prod", "CREDO_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_CREDENTIAL_EXPIRATION": "2026-11-30T14:05:30Z"},
			text: "profile:    prod\nrole:       arn:aws:iam::1:role/r\nexpiration: 2026-11-30T14:05:30Z (2h05m left)\n",
			json: `{"profile":"prod","role_arn":"arn:aws:iam::1:role/r","expiration":"2026-11-30T14:05:30Z","remaining_seconds":7530}` + "\n",
			word: "prod (2h05m)",
		},
		{
			name: "offset expiration is shown in UTC",
			env:  map[string]string{"CREDO_PROFILE": "dev", "AWS_CREDENTIAL_EXPIRATION": "2026-11-30T13:00:45+01:00"},
			text: "profile:    dev\nexpiration: 2026-11-30T12:00:45Z (45s left)\n",
			json: `{"profile":"dev","role_arn":"","expiration":"2026-11-30T12:00:45Z","remaining_seconds":45}` + "\n",
			word: "dev (45s)",
		},
		{
			name: "long-term keys",
			env:  map[string]string{"CREDO_PROFILE": "dev"},
			text: "profile:    dev\nexpiration: none (long-term keys)\n",
			json: `{"profile":"dev","role_arn":"","expiration":null,"remaining_seconds":null}` + "\n",
			word: "dev",
		},
		{
			name: "local endpoint",
			env:  map[string]string{"CREDO_PROFILE": "dev", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1/", "AWS_CREDENTIAL_EXPIRATION": "2026-11-30T12:30:00Z"},
			text: "profile:    dev\nexpiration: none (refreshed by credo's local endpoint)\n",
			json: `{"profile":"dev","role_arn":"","expiration":null,"remaining_seconds":null}` + "\n",
			word: "dev",
		},
		{
			name: "expired",
			env:  map[string]string{"CREDO_PROFILE": "dev", "AWS_CREDENTIAL_EXPIRATION": "2026-11-30T11:00:00Z"},
			text: "profile:    dev\nexpiration: 2026-11-30T11:00:00Z (expired)\n",
			json: `{"profile":"dev","role_arn":"","expiration":"2026-11-30T11:00:00Z","remaining_seconds":0}` + "\n",
			word: "dev (expired)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Read(func(k string) string { return tc.env[k] }, now)
			if err != nil {
				t.Fatal(err)
			}
			for format, want := range map[string]string{"text": tc.text, "json": tc.json, "prompt": tc.word} {
				var b bytes.Buffer
				if err := Write(&b, format, s); err != nil {
					t.Fatal(err)
				}
				if b.String() != want {
					t.Errorf("%s:\n got %q\nwant %q", format, b.String(), want)
				}
			}
		})
	}
}

func TestOutside(t *testing.T) {
	if _, err := Read(func(string) string { return "" }, time.Now()); !errors.Is(err, ErrNone) {
		t.Fatalf("err = %v, want ErrNone", err)
	}
	var out, errOut bytes.Buffer
	if code := Run(&out, &errOut, "json", func(string) string { return "" }, time.Now()); code != 1 || out.Len() != 0 || bytes.Count(errOut.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
