package stsfake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

type creds aws.Credentials

func (c creds) Retrieve(context.Context) (aws.Credentials, error) { return aws.Credentials(c), nil }

// client is the real SDK client pointed at the fake, without retries so
// that call counts are exact.
func client(s *Server, c *aws.Credentials) *sts.Client {
	o := sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1}
	if c != nil {
		o.Credentials = creds(*c)
	}
	return sts.New(o)
}

func apiCode(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func TestWireProtocolWithTheSDK(t *testing.T) {
	s := NewTest(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	s.SetMFACode("135790")
	arn := s.AddUser("AKIAUSEREXAMPLE00001", "secret", "alice")
	user := &aws.Credentials{AccessKeyID: "AKIAUSEREXAMPLE00001", SecretAccessKey: "secret"}
	ctx := context.Background()

	id, err := client(s, user).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != arn || aws.ToString(id.Account) != Account {
		t.Errorf("caller %s %s", aws.ToString(id.Arn), aws.ToString(id.Account))
	}

	st, err := client(s, user).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		DurationSeconds: aws.Int32(7200), SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/alice"), TokenCode: aws.String("135790")})
	if err != nil {
		t.Fatal(err)
	}
	sc := st.Credentials
	if !strings.HasPrefix(aws.ToString(sc.AccessKeyId), "ASIA") || aws.ToString(sc.SessionToken) == "" || !sc.Expiration.Equal(now.Add(2*time.Hour)) {
		t.Errorf("session credentials %+v", sc)
	}
	session := &aws.Credentials{AccessKeyID: *sc.AccessKeyId, SecretAccessKey: *sc.SecretAccessKey, SessionToken: *sc.SessionToken}

	ar, err := client(s, session).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/dev"), RoleSessionName: aws.String("me"),
		ExternalId: aws.String("x"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(ar.AssumedRoleUser.Arn); got != "arn:aws:sts::123456789012:assumed-role/dev/me" {
		t.Errorf("assumed %s", got)
	}
	role := &aws.Credentials{AccessKeyID: *ar.Credentials.AccessKeyId, SecretAccessKey: *ar.Credentials.SecretAccessKey, SessionToken: *ar.Credentials.SessionToken}
	id, err = client(s, role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:sts::123456789012:assumed-role/dev/me" {
		t.Errorf("role caller %v %v", aws.ToString(id.Arn), err)
	}

	// Role chaining above 1h is refused as STS does.
	_, err = client(s, role).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("me"), DurationSeconds: aws.Int32(7200)})
	if code, msg := apiCode(t, err); code != "ValidationError" || !strings.Contains(msg, "role chaining") {
		t.Errorf("chaining: %s %s", code, msg)
	}

	wi, err := client(s, nil).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/ci"), RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String("tok")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(wi.SubjectFromWebIdentityToken) == "" || aws.ToString(wi.Credentials.AccessKeyId) == "" {
		t.Errorf("web identity answer %+v", wi)
	}

	reqs := s.Requests()
	if len(reqs) != 6 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	if r := reqs[1]; r.Action != ActionGetSessionToken || r.AccessKeyID != "AKIAUSEREXAMPLE00001" || r.Region != "eu-west-1" ||
		r.Form.Get("TokenCode") != "135790" || r.Form.Get("DurationSeconds") != "7200" {
		t.Errorf("recorded %+v", r)
	}
	if r := reqs[2]; r.Form.Get("ExternalId") != "x" || r.Form.Get("Tags.member.1.Key") != "k" || r.AccessKeyID != session.AccessKeyID {
		t.Errorf("recorded %+v", r)
	}
	if r := reqs[5]; r.AccessKeyID != "" {
		t.Errorf("web identity call was signed by %s", r.AccessKeyID)
	}
	if s.Calls(ActionAssumeRole) != 2 || s.Calls("") != 6 {
		t.Errorf("calls %d %d", s.Calls(ActionAssumeRole), s.Calls(""))
	}
}

func TestRefusals(t *testing.T) {
	s := NewTest(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	s.SetMFACode("135790")
	s.AddUser("AKIAUSEREXAMPLE00001", "secret", "alice")
	user := &aws.Credentials{AccessKeyID: "AKIAUSEREXAMPLE00001", SecretAccessKey: "secret"}
	ctx := context.Background()
	gst := func(c *aws.Credentials, in *sts.GetSessionTokenInput) error {
		_, err := client(s, c).GetSessionToken(ctx, in)
		return err
	}

	err := gst(user, &sts.GetSessionTokenInput{SerialNumber: aws.String("arn:mfa"), TokenCode: aws.String("000000")})
	if code, msg := apiCode(t, err); code != "AccessDenied" || !strings.HasPrefix(msg, "MultiFactorAuthentication failed with invalid MFA one time pass code") {
		t.Errorf("wrong code: %s %s", code, msg)
	}
	err = gst(&aws.Credentials{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"}, &sts.GetSessionTokenInput{})
	if code, _ := apiCode(t, err); code != "InvalidClientTokenId" {
		t.Errorf("unknown key: %s", code)
	}
	err = gst(user, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(600)})
	if code, _ := apiCode(t, err); code != "ValidationError" {
		t.Errorf("short duration: %s", code)
	}

	out, err := client(s, user).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	sess := &aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	if code, _ := apiCode(t, gst(sess, &sts.GetSessionTokenInput{})); code != "AccessDenied" {
		t.Errorf("session calling GetSessionToken: %s", code)
	}
	wrongToken := *sess
	wrongToken.SessionToken = "nope"
	if code, _ := apiCode(t, gst(&wrongToken, &sts.GetSessionTokenInput{})); code != "InvalidClientTokenId" {
		t.Errorf("wrong session token: %s", code)
	}
	s.Expire(sess.AccessKeyID)
	_, err = client(s, sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code, _ := apiCode(t, err); code != "ExpiredToken" {
		t.Errorf("expired: %s", code)
	}
	s.Revoke("AKIAUSEREXAMPLE00001")
	if code, _ := apiCode(t, gst(user, &sts.GetSessionTokenInput{})); code != "InvalidClientTokenId" {
		t.Errorf("revoked: %s", code)
	}

	// Scripted errors: the next N calls of an action.
	s.AddUser("AKIAUSEREXAMPLE00002", "secret", "bob")
	bob := &aws.Credentials{AccessKeyID: "AKIAUSEREXAMPLE00002", SecretAccessKey: "secret"}
	s.FailNext(2, ActionGetSessionToken, RegionDisabled())
	for range 2 {
		if code, _ := apiCode(t, gst(bob, &sts.GetSessionTokenInput{})); code != "RegionDisabledException" {
			t.Errorf("scripted: %s", code)
		}
	}
	if err := gst(bob, &sts.GetSessionTokenInput{}); err != nil {
		t.Errorf("after the script: %v", err)
	}
	s.DenyRole("arn:aws:iam::123456789012:role/secret")
	_, err = client(s, bob).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/secret"), RoleSessionName: aws.String("sess")})
	if code, msg := apiCode(t, err); code != "AccessDenied" || msg != "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/secret" {
		t.Errorf("denied: %s %s", code, msg)
	}
}

func TestAdminEndpoints(t *testing.T) {
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	post := func(path string, v url.Values) string {
		t.Helper()
		resp, err := http.PostForm(s.URL()+path, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	arn := post("/_fake/users", url.Values{"AccessKeyId": {"AKIAADMINEXAMPLE0001"}, "SecretAccessKey": {"s"}, "Name": {"ops"}})
	if strings.TrimSpace(arn) != "arn:aws:iam::123456789012:user/ops" {
		t.Errorf("users: %q", arn)
	}
	post("/_fake/mfa", url.Values{"Code": {"246802"}})
	post("/_fake/fail", url.Values{"Count": {"1"}, "Action": {"GetSessionToken"}, "Code": {"Throttling"}})
	c := client(s, &aws.Credentials{AccessKeyID: "AKIAADMINEXAMPLE0001", SecretAccessKey: "s"})
	ctx := context.Background()
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if code, _ := apiCode(t, err); code != "Throttling" {
		t.Errorf("scripted over HTTP: %s", code)
	}
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String("arn:m"), TokenCode: aws.String("246802")})
	if err != nil {
		t.Fatal(err)
	}
	var counts map[string]int
	if err := json.Unmarshal([]byte(get("/_fake/calls")), &counts); err != nil {
		t.Fatal(err)
	}
	if counts["GetSessionToken"] != 2 || counts["AssumeRole"] != 0 || counts["total"] != 2 {
		t.Errorf("counts %v", counts)
	}
	if n := strings.TrimSpace(get("/_fake/calls?action=GetSessionToken")); n != "2" {
		t.Errorf("count of one action: %q", n)
	}
	var reqs []Request
	if err := json.Unmarshal([]byte(get("/_fake/requests")), &reqs); err != nil || len(reqs) != 2 || reqs[1].Form.Get("TokenCode") != "246802" {
		t.Errorf("requests %v %v", reqs, err)
	}
	post("/_fake/reset", nil)
	if s.Calls("") != 0 {
		t.Errorf("reset left %d calls", s.Calls(""))
	}
}
