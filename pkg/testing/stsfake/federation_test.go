package stsfake

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestGetFederationToken(t *testing.T) {
	s := NewTest(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	s.AddUser("AKIAUSEREXAMPLE00001", "secret", "alice")
	user := &aws.Credentials{AccessKeyID: "AKIAUSEREXAMPLE00001", SecretAccessKey: "secret"}
	ctx := context.Background()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

	out, err := client(s, user).GetFederationToken(ctx, &sts.GetFederationTokenInput{
		Name: aws.String("alice"), Policy: aws.String(policy), DurationSeconds: aws.Int32(7200),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.FederatedUser.Arn); got != "arn:aws:sts::"+Account+":federated-user/alice" {
		t.Errorf("federated user ARN %q", got)
	}
	if got := aws.ToString(out.FederatedUser.FederatedUserId); got != Account+":alice" {
		t.Errorf("federated user id %q", got)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(c.SessionToken) == "" || !c.Expiration.Equal(now.Add(2*time.Hour)) {
		t.Errorf("credentials %+v", c)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize <= 0 {
		t.Errorf("packed policy size %v", out.PackedPolicySize)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Action != ActionGetFederationToken || reqs[0].AccessKeyID != "AKIAUSEREXAMPLE00001" ||
		reqs[0].Form.Get("Name") != "alice" || reqs[0].Form.Get("Policy") != policy || reqs[0].Form.Get("DurationSeconds") != "7200" {
		t.Errorf("recorded %+v", reqs)
	}
	if s.Calls(ActionGetFederationToken) != 1 {
		t.Errorf("calls %d", s.Calls(ActionGetFederationToken))
	}

	// The federated user is who its credentials act as.
	fed := &aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
	id, err := client(s, fed).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:sts::"+Account+":federated-user/alice" {
		t.Errorf("caller %s", aws.ToString(id.Arn))
	}

	// Default duration is 12 hours.
	out, err = client(s, user).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Credentials.Expiration.Equal(now.Add(12 * time.Hour)) {
		t.Errorf("default expiry %v", out.Credentials.Expiration)
	}

	for _, tc := range []struct {
		name   string
		creds  *aws.Credentials
		in     *sts.GetFederationTokenInput
		code   string
		substr string
	}{
		{"session credentials", fed, &sts.GetFederationTokenInput{Name: aws.String("alice")}, "AccessDenied", "session credentials"},
		{"name too short", user, &sts.GetFederationTokenInput{Name: aws.String("a")}, "ValidationError", "greater than or equal to 2"},
		{"name too long", user, &sts.GetFederationTokenInput{Name: aws.String(strings.Repeat("a", 33))}, "ValidationError", "less than or equal to 32"},
		{"name with a space", user, &sts.GetFederationTokenInput{Name: aws.String("a b")}, "ValidationError", "regular expression"},
		{"duration too long", user, &sts.GetFederationTokenInput{Name: aws.String("alice"), DurationSeconds: aws.Int32(129601)}, "ValidationError", "durationSeconds"},
		{"policy not JSON", user, &sts.GetFederationTokenInput{Name: aws.String("alice"), Policy: aws.String("{nope")}, "MalformedPolicyDocument", "JSON"},
		{"unknown key", &aws.Credentials{AccessKeyID: "AKIANOBODY", SecretAccessKey: "x"}, &sts.GetFederationTokenInput{Name: aws.String("alice")}, "InvalidClientTokenId", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client(s, tc.creds).GetFederationToken(ctx, tc.in)
			code, msg := apiCode(t, err)
			if code != tc.code || !strings.Contains(msg, tc.substr) {
				t.Errorf("got %s %q, want %s containing %q", code, msg, tc.code, tc.substr)
			}
		})
	}
}
