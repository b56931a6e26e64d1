package rotate

import (
	"context"
	"github.com/credo-cli/credo/pkg/awscall"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds"
)

// ClientOptions configures the IAM and STS clients of a rotation. Neither
// loads the SDK's shared configuration: region, endpoint and credentials are
// those given.
type ClientOptions struct {
	// Profile gives the region, endpoint_url and services section; may be nil.
	Profile *config.Profile
	// Getenv reads AWS_REGION, AWS_DEFAULT_REGION and the AWS_ENDPOINT_URL*
	// variables; nil reads nothing.
	Getenv func(string) string
	// HTTPClient replaces the default client (short dial and response
	// timeouts, proxies from the environment).
	HTTPClient *http.Client
	// CallTimeout bounds one call, retries included (default
	// awscall.CallTimeout).
	CallTimeout time.Duration
}

// IAMRegion is the region IAM is signed for: IAM is global, served from
// us-east-1 in the aws partition, cn-north-1 in aws-cn and us-gov-west-1 in
// aws-us-gov, chosen by the profile's (or the environment's) region.
func IAMRegion(p *config.Profile, getenv func(string) string) string {
	region := creds.STSRegion(p, getenv)
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "cn-north-1"
	case strings.HasPrefix(region, "us-gov-"):
		return "us-gov-west-1"
	}
	return "us-east-1"
}

// IAMEndpoint returns the endpoint override for IAM as the AWS SDKs resolve
// it: AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, the services section's iam
// endpoint_url, the profile's endpoint_url; "" for the default.
func IAMEndpoint(p *config.Profile, getenv func(string) string) string {
	if p == nil {
		p = &config.Profile{}
	}
	return p.ServiceEndpoint("IAM", "iam", getenv)
}

// NewIAMFunc returns a Rotator.NewIAM that builds IAM clients from opts.
func NewIAMFunc(opts ClientOptions) func(c aws.Credentials) IAMAPI {
	hc := opts.httpClient()
	region := IAMRegion(opts.Profile, opts.Getenv)
	endpoint := IAMEndpoint(opts.Profile, opts.Getenv)
	return func(c aws.Credentials) IAMAPI {
		o := iam.Options{
			Region:      region,
			Credentials: credentials.StaticCredentialsProvider{Value: c},
			HTTPClient:  hc,
			Retryer:     retry.NewStandard(),
		}
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		return &iamClient{c: iam.New(o), timeout: opts.callTimeout()}
	}
}

// NewSTSFunc returns a Rotator.NewSTS that builds STS clients from opts, in
// the region and at the endpoint credo's other STS calls use.
func NewSTSFunc(opts ClientOptions) func(c aws.Credentials) STSAPI {
	hc := opts.httpClient()
	region := creds.STSRegion(opts.Profile, opts.Getenv)
	endpoint := creds.STSEndpoint(opts.Profile, opts.Getenv)
	return func(c aws.Credentials) STSAPI {
		o := sts.Options{
			Region:      region,
			Credentials: credentials.StaticCredentialsProvider{Value: c},
			HTTPClient:  hc,
			Retryer:     retry.NewStandard(),
		}
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		return &stsClient{c: sts.New(o), timeout: opts.callTimeout()}
	}
}

func (o ClientOptions) callTimeout() time.Duration {
	if o.CallTimeout > 0 {
		return o.CallTimeout
	}
	return awscall.CallTimeout
}

func (o ClientOptions) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return awscall.HTTPClient()
}

// iamClient bounds each call of the SDK's client by a timeout.
type iamClient struct {
	c       *iam.Client
	timeout time.Duration
}

func (i *iamClient) ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, optFns ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, i.timeout)
	defer cancel()
	return i.c.ListAccessKeys(ctx, in, optFns...)
}

func (i *iamClient) CreateAccessKey(ctx context.Context, in *iam.CreateAccessKeyInput, optFns ...func(*iam.Options)) (*iam.CreateAccessKeyOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, i.timeout)
	defer cancel()
	return i.c.CreateAccessKey(ctx, in, optFns...)
}

func (i *iamClient) DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, optFns ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, i.timeout)
	defer cancel()
	return i.c.DeleteAccessKey(ctx, in, optFns...)
}

// stsClient bounds each call of the SDK's client by a timeout.
type stsClient struct {
	c       *sts.Client
	timeout time.Duration
}

func (s *stsClient) GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.c.GetCallerIdentity(ctx, in, optFns...)
}

func (s *stsClient) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, optFns ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.c.GetSessionToken(ctx, in, optFns...)
}
