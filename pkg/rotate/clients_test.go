package rotate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credo-cli/credo/pkg/config"
)

func TestIAMEndpointPrecedence(t *testing.T) {
	p := &config.Profile{EndpointURL: "http://profile", Services: map[string]map[string]string{"iam": {"endpoint_url": "http://services-iam"}}}
	for _, tc := range []struct {
		name string
		env  map[string]string
		p    *config.Profile
		want string
	}{
		{"AWS_ENDPOINT_URL_IAM first", map[string]string{"AWS_ENDPOINT_URL_IAM": "http://env-iam", "AWS_ENDPOINT_URL": "http://env"}, p, "http://env-iam"},
		{"then AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": "http://env", "AWS_ENDPOINT_URL_STS": "http://env-sts"}, p, "http://env"},
		{"then the services section", nil, p, "http://services-iam"},
		{"then the profile", nil, &config.Profile{EndpointURL: "http://profile"}, "http://profile"},
		{"ignored on request", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_IAM": "http://env-iam"}, p, ""},
		{"no profile", nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IAMEndpoint(tc.p, func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("IAMEndpoint = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIAMRegion(t *testing.T) {
	for region, want := range map[string]string{"": "us-east-1", "eu-west-1": "us-east-1", "cn-northwest-1": "cn-north-1", "us-gov-east-1": "us-gov-west-1"} {
		if got := IAMRegion(&config.Profile{Region: region}, nil); got != want {
			t.Errorf("IAMRegion(%q) = %q, want %q", region, got, want)
		}
	}
}

// The clients go to the configured endpoints, signed with the credentials
// given, IAM for us-east-1 whatever the profile's region.
func TestClientsSignAndUseEndpoints(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Form.Get("Action")+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		switch r.Form.Get("Action") {
		case "ListAccessKeys":
			_, _ = w.Write([]byte(`<ListAccessKeysResponse><ListAccessKeysResult><IsTruncated>false</IsTruncated><AccessKeyMetadata><member><AccessKeyId>AKIAONE</AccessKeyId></member></AccessKeyMetadata></ListAccessKeysResult></ListAccessKeysResponse>`))
		case "GetCallerIdentity":
			_, _ = w.Write([]byte(`<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/u</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>`))
		}
	}))
	defer srv.Close()
	env := map[string]string{"AWS_ENDPOINT_URL_IAM": srv.URL + "/iam", "AWS_ENDPOINT_URL_STS": srv.URL + "/sts"}
	opts := ClientOptions{Profile: &config.Profile{Region: "eu-west-1"}, Getenv: func(k string) string { return env[k] }}
	c := aws.Credentials{AccessKeyID: "AKIASIGNER", SecretAccessKey: "secret"}
	out, err := NewIAMFunc(opts)(c).ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String("u")})
	if err != nil || len(out.AccessKeyMetadata) != 1 {
		t.Fatalf("ListAccessKeys = %+v, %v", out, err)
	}
	id, err := NewSTSFunc(opts)(c).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::1:user/u" {
		t.Fatalf("GetCallerIdentity = %+v, %v", id, err)
	}
	if len(seen) != 2 {
		t.Fatalf("requests: %q", seen)
	}
	if !strings.HasPrefix(seen[0], "/iam ListAccessKeys ") || !strings.Contains(seen[0], "Credential=AKIASIGNER/") || !strings.Contains(seen[0], "/us-east-1/iam/aws4_request") {
		t.Errorf("IAM request: %s", seen[0])
	}
	if !strings.HasPrefix(seen[1], "/sts GetCallerIdentity ") || !strings.Contains(seen[1], "/eu-west-1/sts/aws4_request") {
		t.Errorf("STS request: %s", seen[1])
	}
}
