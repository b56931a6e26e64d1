package server

// Real consumers: the AWS SDK for Go v2 and botocore (the library under the AWS CLI and boto3)
// fetch credentials from the endpoints exactly as a child of `credo exec --server` or
// `--ec2-server` would.

import (
	"bytes"
	"context"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// realProvider hands out credentials that expire in an hour of real time, since the SDKs check
// expiry against their own clock.
func realProvider(keyID string) Provider {
	return func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{
			AccessKeyID: keyID, SecretAccessKey: testSecret, SessionToken: testToken,
			CanExpire: true, Expires: time.Now().Add(time.Hour),
		}, nil
	}
}

func checkCreds(t *testing.T, who string, got aws.Credentials, keyID string) {
	t.Helper()
	if got.AccessKeyID != keyID || got.SecretAccessKey != testSecret || got.SessionToken != testToken {
		t.Errorf("%s got key %q, secret ok %v, token ok %v; want key %q", who, got.AccessKeyID,
			got.SecretAccessKey == testSecret, got.SessionToken == testToken, keyID)
	}
	if !got.CanExpire || got.Expires.Before(time.Now().Add(30*time.Minute)) {
		t.Errorf("%s got expiry %v (can expire %v), want about an hour from now", who, got.Expires, got.CanExpire)
	}
}

// isolateAWSEnv clears every variable that could make the SDK find credentials elsewhere and
// points the shared files at empty ones.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_EC2_METADATA_DISABLED", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:9")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:9")
	t.Setenv("NO_PROXY", "127.0.0.1,localhost")
}

func TestGoSDKEndpointCredsProvider(t *testing.T) {
	e := startECS(t, realProvider("ASIAGOSDKECS00000001"), Options{})
	p := endpointcreds.New(e.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = e.Token() })
	got, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCreds(t, "endpointcreds", got, "ASIAGOSDKECS00000001")

	wrong := endpointcreds.New(e.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = "wrong" })
	if _, err := wrong.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "InvalidToken") {
		t.Errorf("wrong token: err %v, want the endpoint's InvalidToken error", err)
	}
}

func TestGoSDKDefaultChainFindsContainerEndpoint(t *testing.T) {
	isolateAWSEnv(t)
	e := startECS(t, realProvider("ASIAGOSDKECS00000002"), Options{})
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", e.URL())
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", e.Token())
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCreds(t, "default chain", got, "ASIAGOSDKECS00000002")
}

func TestGoSDKEC2RoleCredsProvider(t *testing.T) {
	m := startIMDS(t, realProvider("ASIAGOSDKIMDS0000001"), Options{Region: "eu-central-1"})
	client := imds.New(imds.Options{Endpoint: m.Endpoint(), EnableFallback: aws.FalseTernary})
	p := ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = client })
	got, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCreds(t, "ec2rolecreds", got, "ASIAGOSDKIMDS0000001")

	region, err := client.GetRegion(context.Background(), &imds.GetRegionInput{})
	if err != nil || region.Region != "eu-central-1" {
		t.Errorf("GetRegion: %+v, %v", region, err)
	}
	doc, err := client.GetInstanceIdentityDocument(context.Background(), &imds.GetInstanceIdentityDocumentInput{})
	if err != nil || doc.Region != "eu-central-1" {
		t.Errorf("GetInstanceIdentityDocument: %+v, %v", doc, err)
	}
}

func TestGoSDKDefaultChainFindsIMDSEndpoint(t *testing.T) {
	isolateAWSEnv(t)
	m := startIMDS(t, realProvider("ASIAGOSDKIMDS0000002"), Options{Region: "ap-south-1"})
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", m.Endpoint())
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithEC2IMDSRegion())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "ap-south-1" {
		t.Errorf("region from IMDS %q, want ap-south-1", cfg.Region)
	}
	got, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCreds(t, "default chain", got, "ASIAGOSDKIMDS0000002")
}

const botocoreScript = `
import botocore.session
c = botocore.session.get_session().get_credentials()
if c is None:
    raise SystemExit("no credentials found")
c = c.get_frozen_credentials()
print(c.access_key)
print(c.secret_key)
print(c.token)
`

// runBotocore runs botocore's default credential chain in a clean environment plus extra.
func runBotocore(t *testing.T, py string, extra ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", botocoreScript)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AWS_CONFIG_FILE=" + empty,
		"AWS_SHARED_CREDENTIALS_FILE=" + empty,
		"AWS_DEFAULT_REGION=us-east-1",
		"HTTPS_PROXY=http://127.0.0.1:9",
		"HTTP_PROXY=http://127.0.0.1:9",
		"NO_PROXY=127.0.0.1,localhost",
	}, extra...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return stderr.String(), err
	}
	return string(out), nil
}

func checkBotocoreOutput(t *testing.T, out, keyID string) {
	t.Helper()
	want := keyID + "\n" + testSecret + "\n" + testToken + "\n"
	if out != want {
		t.Errorf("botocore printed %q, want key %s with the provider's secret and token", out, keyID)
	}
}

func TestBotocoreContainerEndpoint(t *testing.T) {
	py := testsvc.NeedPython(t, "botocore")
	e := startECS(t, realProvider("ASIABOTOCOREECS00001"), Options{})
	out, err := runBotocore(t, py,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI="+e.URL(),
		"AWS_CONTAINER_AUTHORIZATION_TOKEN="+e.Token())
	if err != nil {
		t.Fatalf("botocore: %v: %s", err, out)
	}
	checkBotocoreOutput(t, out, "ASIABOTOCOREECS00001")

	// With a wrong token botocore gets nothing.
	out, err = runBotocore(t, py,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI="+e.URL(),
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=0000")
	if err == nil {
		t.Errorf("botocore got credentials with a wrong token: %q", out)
	}
	assertNoSecret(t, "botocore output", out)
}

func TestBotocoreIMDSEndpoint(t *testing.T) {
	py := testsvc.NeedPython(t, "botocore")
	m := startIMDS(t, realProvider("ASIABOTOCOREIMDS0001"), Options{Region: "us-west-2"})
	out, err := runBotocore(t, py, "AWS_EC2_METADATA_SERVICE_ENDPOINT="+m.Endpoint())
	if err != nil {
		t.Fatalf("botocore: %v: %s", err, out)
	}
	checkBotocoreOutput(t, out, "ASIABOTOCOREIMDS0001")

	// With IMDS disabled on the client side, the same environment finds nothing: the credentials
	// above really came from the endpoint.
	out, err = runBotocore(t, py, "AWS_EC2_METADATA_SERVICE_ENDPOINT="+m.Endpoint(), "AWS_EC2_METADATA_DISABLED=true")
	if err == nil {
		t.Errorf("botocore found credentials with IMDS disabled: %q", out)
	}
}
