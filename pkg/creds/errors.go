package creds

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/credo-cli/credo/pkg/hint"
)

// Errors translate STS answers into one line a person can act on, subject
// first, with a hint. They never carry a secret or an MFA code: only STS's
// error code and message, ARNs, profile names and access key ids.

func isThrottle(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded",
		"TooManyRequestsException", "RequestThrottled", "RequestThrottledException":
		return true
	}
	return false
}

func apiError(err error) (code, msg string, ok bool) {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "", "", false
	}
	return ae.ErrorCode(), oneLine(ae.ErrorMessage()), true
}

func errCode(err error) string {
	code, _, _ := apiError(err)
	return code
}

// rejectsCredentials reports whether STS refused the credentials a call was
// signed with.
func rejectsCredentials(err error) bool {
	switch errCode(err) {
	case "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId":
		return true
	}
	return false
}

var deniedIdentity = regexp.MustCompile(`(?:User|Principal): (\S+) is not authorized`)

// explain turns the error of step n's call into the error Retrieve returns.
func (x *run) explain(n *node, err error) error {
	var ue *UnreachableError
	var bad *BadAnswerError
	var se *sourceError
	switch {
	case errors.As(err, &bad) && bad.Slow:
		return hint.Wrap(n.Errorf("%w", err), "the network or a proxy is slow: try again, and check HTTPS_PROXY")
	case errors.As(err, &bad):
		return hint.Wrap(n.Errorf("%w", err),
			"check the STS endpoint settings (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, endpoint_url) and any proxy on the way")
	case errors.As(err, &ue):
		return hint.Wrap(n.Errorf("%w", err),
			"check the network connection, HTTPS_PROXY and the STS endpoint settings (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, endpoint_url)")
	case errors.As(err, &se):
		return n.Errorf("%w", se.err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return n.Errorf("%w", err)
	}
	code, msg, ok := apiError(err)
	if !ok {
		// Errors of our own (MFA code sources, hinted) are already phrased.
		if hint.Of(err) != "" || strings.HasPrefix(err.Error(), n.Subject()) {
			return err
		}
		return n.Errorf("%s: %w", action(n), err)
	}
	src := n.Source
	switch {
	case code == "AccessDenied" && strings.Contains(msg, "MultiFactorAuthentication failed"):
		return hint.Wrap(n.Errorf("MFA code rejected for %s", n.Serial),
			"wait for the next code and try again; check that mfa_serial names your MFA device")

	case code == "ValidationError" && strings.Contains(msg, "role chaining"):
		return hint.Wrap(n.Errorf("role %s: role chaining limits the session to 1h", n.Profile.RoleARN),
			"ask for --duration 1h or less")

	case code == "InvalidClientTokenId":
		switch {
		case src != nil && src.Kind == nodeSource && src.Src == srcStored:
			name := src.Profile.Name
			return hint.Wrap(src.Errorf("STS does not accept the stored access key: it was deleted or deactivated (InvalidClientTokenId)"),
				fmt.Sprintf("run \"credo add %s\" to store a working key, or \"credo rotate %s\"", name, name))
		case src != nil && src.Kind == nodeSource && src.Src == srcStatic:
			return hint.Wrap(src.Errorf("STS does not accept the access key %s from the AWS files (InvalidClientTokenId)", src.Profile.AccessKeyID),
				"update the keys of the profile in the credentials file")
		case src != nil && src.Kind == nodeSource && src.Src == srcEnvironment:
			return hint.Wrap(src.Errorf("STS does not accept AWS_ACCESS_KEY_ID from the environment (InvalidClientTokenId)"),
				"set working keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
		case src != nil:
			return hint.Wrap(src.Errorf("STS does not accept the temporary credentials (InvalidClientTokenId)"),
				fmt.Sprintf("run \"credo clear %s\" and try again", src.Profile.Name))
		}
		return n.Errorf("%s: InvalidClientTokenId: %s", action(n), msg)

	case n.Kind == nodeWebIdentity && (code == "InvalidIdentityToken" || code == "IDPRejectedClaim" || code == "ExpiredTokenException"):
		return hint.Wrap(n.Errorf("STS refused the web identity token from %s (%s): %s", n.Profile.WebIdentityTokenFile, code, msg),
			"check that the token file is current and that the role trusts its issuer")

	case code == "ExpiredToken" || code == "ExpiredTokenException":
		who := n
		if src != nil {
			who = src
		}
		if who.Kind != nodeSource {
			return hint.Wrap(who.Errorf("the temporary credentials have expired (ExpiredToken)"),
				fmt.Sprintf("run \"credo clear %s\" and try again", who.Profile.Name))
		}
		switch who.Src {
		case srcEnvironment:
			return hint.Wrap(who.Errorf("AWS_SESSION_TOKEN from the environment has expired (ExpiredToken)"),
				"put fresh credentials in the environment")
		case srcProcess:
			return hint.Wrap(who.Errorf("the credentials from credential_process have expired (ExpiredToken)"),
				"check that credential_process hands out fresh credentials")
		case srcStatic:
			return hint.Wrap(who.Errorf("the session token in the AWS files has expired (ExpiredToken)"),
				"replace the keys of the profile in the credentials file")
		}
		return hint.Wrap(who.Errorf("STS says the credentials have expired (ExpiredToken)"),
			"check that this computer's clock is right")

	case code == "RegionDisabledException":
		region := STSRegion(x.target, x.r.Getenv)
		return hint.Wrap(n.Errorf("STS is not activated in region %s for this account", region),
			"activate the region in the IAM console (Account settings), or set the profile's region to one that is active")

	case code == "AccessDenied" && n.Kind == nodeRole:
		identity := "the source identity"
		if m := deniedIdentity.FindStringSubmatch(msg); m != nil {
			identity = m[1]
		}
		return hint.Wrap(n.Errorf("%s is not allowed to assume role %s (AccessDenied)", identity, n.Profile.RoleARN),
			"check the role's trust policy and the sts:AssumeRole permission of "+identity)

	case isThrottle(code):
		return hint.Wrap(n.Errorf("STS is throttling requests (%s) and retries did not help", code),
			"wait a minute and try again")
	}
	return n.Errorf("%s: %s: %s", action(n), code, msg)
}

func action(n *node) string {
	switch n.Kind {
	case nodeSession:
		return "GetSessionToken"
	case nodeRole:
		return "AssumeRole " + n.Profile.RoleARN
	case nodeWebIdentity:
		return "AssumeRoleWithWebIdentity " + n.Profile.RoleARN
	}
	return "credentials"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
