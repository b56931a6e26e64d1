package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// TestGoSDKCredentialProcess: the Go SDK, as a third real consumer, runs
// credo as the credential_process of a profile and calls STS with what it
// got.
func TestGoSDKCredentialProcess(t *testing.T) {
	fake := stsfake.NewTest(t)
	arn := fake.AddUser("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "tester")
	env := testHome(t, `[profile dev]
region = us-east-1

[profile role]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/deploy
role_session_name = from-go

[profile sdk-dev]
region = us-east-1
credential_process = credo export --format json dev

[profile sdk-role]
region = us-east-1
credential_process = credo export --format json role
`, fake)
	// The SDK runs credential_process with this process's environment.
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for profile, want := range map[string]string{
		"sdk-dev":  arn,
		"sdk-role": "arn:aws:sts::123456789012:assumed-role/deploy/from-go",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(profile))
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", profile, err)
		}
		if got := *out.Arn; got != want {
			t.Errorf("%s: Arn = %s, want %s", profile, got, want)
		}
	}
	if os.Getenv("AWS_ENDPOINT_URL_STS") != fake.URL() {
		t.Fatal("the test did not point the SDK at the fake STS")
	}
}
