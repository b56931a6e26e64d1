package creds

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// FuzzProcessOutput feeds arbitrary standard output of a credential_process
// to its parser: no panic, credentials only with both keys, and errors of
// one short line that never quote the secret.
func FuzzProcessOutput(f *testing.F) {
	f.Add([]byte(`{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"s3cr3t","SessionToken":"t","Expiration":"2030-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s3cr3t","Expiration":"yesterday"}`))
	f.Add([]byte(`{"Version":2}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s3cr3t","Expiration":"1999-01-01T00:00:00Z"}`))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, out []byte) {
		c, err := parseProcessOutput(out, now)
		if err == nil {
			if c.AccessKeyID == "" || c.SecretAccessKey == "" || (c.CanExpire && !c.Expires.After(now)) {
				t.Fatalf("accepted %+v", c)
			}
			return
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || len(msg) > 300 {
			t.Fatalf("error of %d bytes or lines: %q", len(msg), msg)
		}
		if bytes.Contains(out, []byte("s3cr3t")) && strings.Contains(msg, "s3cr3t") {
			t.Fatalf("error quotes the secret: %q", msg)
		}
	})
}

// answerTransport answers every request with one status and body.
type answerTransport struct {
	status int
	body   []byte
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: a.status, Status: http.StatusText(a.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"text/xml"}},
		Body:    io.NopCloser(bytes.NewReader(a.body)),
		Request: r,
	}, nil
}

// FuzzSTSAnswer feeds arbitrary STS answers (XML bodies, any status) through
// the real SDK client and credo's handling of its result: no panic, and
// credentials only with both keys.
func FuzzSTSAnswer(f *testing.F) {
	f.Add(200, []byte(`<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetSessionTokenResult><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></GetSessionTokenResult></GetSessionTokenResponse>`))
	f.Add(400, []byte(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>MultiFactorAuthentication failed</Message></Error></ErrorResponse>`))
	f.Add(200, []byte(`<GetSessionTokenResponse><GetSessionTokenResult><Credentials><Expiration>not a time</Expiration></Credentials></GetSessionTokenResult></GetSessionTokenResponse>`))
	f.Add(500, []byte(`<html>`))
	f.Add(200, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		cl := NewSTS(STSOptions{
			Getenv:      func(k string) string { return map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"}[k] },
			HTTPClient:  &http.Client{Transport: answerTransport{status, body}},
			MaxAttempts: 1,
			Credentials: staticProvider(aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s"}),
		})
		out, err := cl.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
		if err != nil {
			return
		}
		c, err := fromSTS(out.Credentials)
		if err == nil && (c.AccessKeyID == "" && c.SecretAccessKey == "") {
			t.Fatalf("credentials without keys from %q", body)
		}
	})
}
