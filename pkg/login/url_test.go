package login

import (
	"net/url"
	"strings"
	"testing"
)

func TestPartitionEndpoints(t *testing.T) {
	for _, tc := range []struct {
		region, partition, endpoint string
	}{
		{"", "aws", "https://signin.aws.amazon.com/federation"},
		{"eu-west-1", "aws", "https://signin.aws.amazon.com/federation"},
		{"us-east-1", "aws", "https://signin.aws.amazon.com/federation"},
		{"us-gov-west-1", "aws-us-gov", "https://signin.amazonaws-us-gov.com/federation"},
		{"cn-north-1", "aws-cn", "https://signin.amazonaws.cn/federation"},
		{"cn-northwest-1", "aws-cn", "https://signin.amazonaws.cn/federation"},
	} {
		if got := Partition(tc.region); got != tc.partition {
			t.Errorf("Partition(%q) = %q, want %q", tc.region, got, tc.partition)
		}
		got, err := Endpoint("", tc.region)
		if err != nil || got != tc.endpoint {
			t.Errorf("Endpoint(\"\", %q) = %q, %v; want %q", tc.region, got, err, tc.endpoint)
		}
	}
	if got := DefaultEndpoint("aws-iso"); got != "https://signin.aws.amazon.com/federation" {
		t.Errorf("unknown partition: %q", got)
	}
}

func TestEndpointOverride(t *testing.T) {
	got, err := Endpoint("http://127.0.0.1:8080/federation", "cn-north-1")
	if err != nil || got != "http://127.0.0.1:8080/federation" {
		t.Errorf("override: %q %v", got, err)
	}
	for _, bad := range []string{"signin.example.com/federation", "ftp://x/federation", "https:///federation", "https://x/federation?a=b", "::"} {
		if _, err := Endpoint(bad, ""); err == nil || !strings.Contains(err.Error(), "CREDO_FEDERATION_ENDPOINT") {
			t.Errorf("Endpoint(%q): err = %v, want a CREDO_FEDERATION_ENDPOINT error", bad, err)
		}
	}
}

func TestConsoleURL(t *testing.T) {
	for _, tc := range []struct {
		name, region, path, want, wantErr string
	}{
		{name: "home", want: "https://console.aws.amazon.com/"},
		{name: "home in a region", region: "eu-west-1", want: "https://eu-west-1.console.aws.amazon.com/?region=eu-west-1"},
		{name: "path", path: "s3/home", want: "https://console.aws.amazon.com/s3/home"},
		{name: "path with a slash", path: "/s3/home", want: "https://console.aws.amazon.com/s3/home"},
		{name: "path in a region", region: "eu-west-1", path: "s3/home", want: "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"},
		{name: "path with a query and fragment", region: "us-east-2", path: "ec2/v2/home?tab=x#Instances",
			want: "https://us-east-2.console.aws.amazon.com/ec2/v2/home?region=us-east-2&tab=x#Instances"},
		{name: "path naming its own region", region: "us-east-2", path: "ec2/home?region=eu-west-1",
			want: "https://us-east-2.console.aws.amazon.com/ec2/home?region=eu-west-1"},
		{name: "GovCloud", region: "us-gov-west-1", path: "iam/home",
			want: "https://us-gov-west-1.console.amazonaws-us-gov.com/iam/home?region=us-gov-west-1"},
		{name: "China", region: "cn-north-1", want: "https://cn-north-1.console.amazonaws.cn/?region=cn-north-1"},
		{name: "full URL as it is", region: "eu-west-1", path: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1",
			want: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"},
		{name: "full URL on the console host", path: "https://console.aws.amazon.com/billing/home", want: "https://console.aws.amazon.com/billing/home"},
		{name: "full URL of another partition", region: "cn-north-1", path: "https://console.aws.amazon.com/", wantErr: "not an AWS console host (*.console.amazonaws.cn)"},
		{name: "full URL elsewhere", path: "https://evil.example.com/console.aws.amazon.com", wantErr: "not an AWS console host"},
		{name: "look-alike host", path: "https://console.aws.amazon.com.evil.example/", wantErr: "not an AWS console host"},
		{name: "http URL", path: "http://console.aws.amazon.com/", wantErr: "must be https"},
		{name: "path with a space", path: "s3/ home", wantErr: "not a console path"},
		{name: "path that changes host", path: "//evil.example/x", want: "https://console.aws.amazon.com/evil.example/x"},
		{name: "bad region", region: "Europe", wantErr: `region "Europe" is not a region name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConsoleURL(tc.region, tc.path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ConsoleURL(%q, %q) = %q, %v; want %q", tc.region, tc.path, got, err, tc.want)
			}
		})
	}
}

func TestSignInURL(t *testing.T) {
	dest := "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
	got := SignInURL("https://signin.aws.amazon.com/federation", dest, "tok+en/=")
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme+"://"+u.Host+u.Path != "https://signin.aws.amazon.com/federation" {
		t.Errorf("base %q", got)
	}
	q := u.Query()
	if len(q) != 4 || q.Get("Action") != "login" || q.Get("Issuer") != "credo" || q.Get("Destination") != dest || q.Get("SigninToken") != "tok+en/=" {
		t.Errorf("query %v", q)
	}
	if strings.ContainsAny(got, " \n") {
		t.Errorf("URL not one word: %q", got)
	}
}

func TestNames(t *testing.T) {
	for name, valid := range map[string]bool{
		"alice": true, "ab": true, "a": false, "": false, strings.Repeat("x", 32): true, strings.Repeat("x", 33): false,
		"first.last@example.com": true, "a_b+c=d,e-f": true, "a b": false, "é1": false, "a/b": false,
	} {
		if ValidName(name) != valid {
			t.Errorf("ValidName(%q) = %v", name, !valid)
		}
	}
	for _, tc := range []struct{ arn, fallback, want string }{
		{"arn:aws:iam::123456789012:user/alice", "dev", "alice"},
		{"arn:aws:iam::123456789012:user/division/team/bob.smith@example.com", "dev", "bob.smith@example.com"},
		{"arn:aws:iam::123456789012:root", "dev", "root"},
		{"arn:aws:iam::123456789012:user/" + strings.Repeat("n", 64), "dev", strings.Repeat("n", 32)},
		{"arn:aws:iam::123456789012:user/x", "dev", "dev"},
		{"", "my profile", "my-profile"},
		{"", "x", "credo"},
		{"garbage", "", "credo"},
	} {
		got := FederationName(tc.arn, tc.fallback)
		if got != tc.want || !ValidName(got) {
			t.Errorf("FederationName(%q, %q) = %q, want %q", tc.arn, tc.fallback, got, tc.want)
		}
	}
}

func TestKindOfARN(t *testing.T) {
	for _, tc := range []struct {
		arn   string
		token bool
		want  Kind
	}{
		{"arn:aws:iam::123456789012:user/alice", false, KindUser},
		{"arn:aws:iam::123456789012:user/alice", true, KindSession},
		{"arn:aws:iam::123456789012:root", true, KindSession},
		{"arn:aws:sts::123456789012:assumed-role/Admin/alice", true, KindRole},
		{"arn:aws-cn:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123/alice", true, KindRole},
		{"arn:aws:sts::123456789012:federated-user/alice", true, KindFederated},
		{"nonsense", true, KindUnknown},
	} {
		if got := KindOfARN(tc.arn, tc.token); got != tc.want {
			t.Errorf("KindOfARN(%q, %v) = %v, want %v", tc.arn, tc.token, got, tc.want)
		}
	}
}
