// Package login makes an AWS console sign-in URL from credentials, through
// the console federation endpoint: plain IAM user keys first become a
// GetFederationToken session, role credentials are exchanged as they are,
// and GetSessionToken credentials are refused (the endpoint does not take
// them). It also opens the URL in the user's browser.
//
// Rules of this package: the sign-in URL, the signin token and the Session
// parameter of getSigninToken carry credentials. None of them is ever
// written to a log, put in an error message, or kept anywhere; a transport
// error is reported with the endpoint's address alone.
//
// docs/login.md describes the command; pkg/login is part of credo's
// implementation, not a public API.
package login

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Issuer is the Issuer parameter of the sign-in URL: the console's sign-out
// page offers a link back to it.
const Issuer = "credo"

// The AWS partitions whose consoles take federation sign-in.
const (
	PartitionAWS   = "aws"
	PartitionGovUS = "aws-us-gov"
	PartitionChina = "aws-cn"
)

type partition struct {
	signin  string // federation endpoint
	console string // console host, without a region
}

var partitions = map[string]partition{
	PartitionAWS:   {signin: "https://signin.aws.amazon.com/federation", console: "console.aws.amazon.com"},
	PartitionGovUS: {signin: "https://signin.amazonaws-us-gov.com/federation", console: "console.amazonaws-us-gov.com"},
	PartitionChina: {signin: "https://signin.amazonaws.cn/federation", console: "console.amazonaws.cn"},
}

// Partition returns the partition of region: aws-cn for cn-*, aws-us-gov
// for us-gov-*, else aws (an empty region included).
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return PartitionChina
	case strings.HasPrefix(region, "us-gov-"):
		return PartitionGovUS
	}
	return PartitionAWS
}

// DefaultEndpoint returns the federation endpoint of a partition (that of
// aws for an unknown one).
func DefaultEndpoint(part string) string {
	p, ok := partitions[part]
	if !ok {
		p = partitions[PartitionAWS]
	}
	return p.signin
}

// Endpoint returns override when it is set (CREDO_FEDERATION_ENDPOINT),
// else the federation endpoint of region's partition. The override must be
// an absolute http or https URL without a query.
func Endpoint(override, region string) (string, error) {
	if override == "" {
		return DefaultEndpoint(Partition(region)), nil
	}
	u, err := url.Parse(override)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("CREDO_FEDERATION_ENDPOINT %q is not an http(s) URL without a query", override)
	}
	return override, nil
}

var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// ConsoleURL returns the console page to land on. path is "" (the console
// home), a console path such as "s3/home" or "/ec2/v2/home?x=y#Instances",
// or a full https URL on the partition's console host, which is used as it
// is. region, when set, picks the regional console host and is added as
// the region query parameter unless the path already has one.
func ConsoleURL(region, path string) (string, error) {
	if region != "" && !regionRE.MatchString(region) {
		return "", fmt.Errorf("region %q is not a region name such as eu-west-1", region)
	}
	part := partitions[Partition(region)]
	if strings.Contains(path, "://") {
		return consoleURLFromFull(path, part.console)
	}
	host := part.console
	if region != "" {
		host = region + "." + host
	}
	rest := strings.TrimLeft(path, "/")
	if strings.ContainsAny(rest, " \t\r\n\\") {
		return "", fmt.Errorf("--path %q is not a console path such as s3/home", path)
	}
	u, err := url.Parse("https://" + host + "/" + rest)
	if err != nil || u.Host != host {
		return "", fmt.Errorf("--path %q is not a console path such as s3/home", path)
	}
	if region != "" {
		q := u.Query()
		if q.Get("region") == "" {
			q.Set("region", region)
			u.RawQuery = q.Encode()
		}
	}
	return u.String(), nil
}

func consoleURLFromFull(raw, consoleHost string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("--path %q is not a URL", raw)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("--path %q: the console URL must be https", raw)
	}
	h := u.Hostname()
	if h != consoleHost && !strings.HasSuffix(h, "."+consoleHost) {
		return "", fmt.Errorf("--path %q: %s is not an AWS console host (*.%s)", raw, h, consoleHost)
	}
	return u.String(), nil
}

// SignInURL is the URL that signs the browser in: endpoint?Action=login
// &Issuer=credo&Destination=destination&SigninToken=token. It is a secret
// for as long as the token lives (15 minutes).
func SignInURL(endpoint, destination, token string) string {
	q := url.Values{}
	q.Set("Action", "login")
	q.Set("Issuer", Issuer)
	q.Set("Destination", destination)
	q.Set("SigninToken", token)
	return endpoint + "?" + q.Encode()
}

// MaxNameLen and MinNameLen bound GetFederationToken's Name.
const (
	MinNameLen = 2
	MaxNameLen = 32
)

var nameRE = regexp.MustCompile(`^[\w+=,.@-]{2,32}$`)

// ValidName reports whether name is a valid GetFederationToken Name: 2 to
// 32 characters of letters, digits and _+=,.@-.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// FederationName derives the Name of a GetFederationToken call from the
// caller's ARN (the IAM user's name; "root" for the root user), else from
// fallback (the profile name), else "credo": characters STS refuses become
// "-", and the result is cut to 32 characters.
func FederationName(arn, fallback string) string {
	for _, cand := range []string{nameFromARN(arn), fallback, Issuer} {
		n := sanitizeName(cand)
		if ValidName(n) {
			return n
		}
	}
	return Issuer
}

func nameFromARN(arn string) string {
	// arn:aws:iam::123456789012:user/path/alice, arn:aws:iam::123456789012:root
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	res := parts[5]
	if res == "root" {
		return "root"
	}
	if i := strings.LastIndex(res, "/"); i >= 0 {
		return res[i+1:]
	}
	return ""
}

func sanitizeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0) {
			b[i] = '-'
		}
	}
	if len(b) > MaxNameLen {
		b = b[:MaxNameLen]
	}
	return string(b)
}

// Kind is the kind of credentials to exchange, which decides what login
// does with them.
type Kind int

// The kinds of credentials.
const (
	// KindUnknown credentials are classified by GetCallerIdentity.
	KindUnknown Kind = iota
	// KindUser are an IAM user's long-term keys: they get a
	// GetFederationToken session first.
	KindUser
	// KindRole are role credentials (AssumeRole, SSO, web identity):
	// exchanged as they are, with SessionDuration.
	KindRole
	// KindFederated are a federated user's credentials: exchanged as they
	// are, without SessionDuration.
	KindFederated
	// KindSession are GetSessionToken credentials, which the federation
	// endpoint refuses.
	KindSession
)

func (k Kind) String() string {
	switch k {
	case KindUser:
		return "iam-user"
	case KindRole:
		return "role"
	case KindFederated:
		return "federated-user"
	case KindSession:
		return "session-token"
	}
	return "unknown"
}

// ErrSessionToken is returned (wrapped, with a hint) for session-token
// credentials, which cannot sign in to the console.
var ErrSessionToken = errors.New("console sign-in does not take session-token (GetSessionToken) credentials")

// KindOfARN classifies credentials by the ARN GetCallerIdentity returns for
// them and whether they carry a session token.
func KindOfARN(arn string, hasToken bool) Kind {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return KindUnknown
	}
	res := parts[5]
	switch {
	case strings.HasPrefix(res, "assumed-role/"):
		return KindRole
	case strings.HasPrefix(res, "federated-user/"):
		return KindFederated
	case strings.HasPrefix(res, "user/") || res == "root":
		if hasToken {
			return KindSession
		}
		return KindUser
	}
	return KindUnknown
}
