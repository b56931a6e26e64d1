package stsfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// ActionGetFederationToken is the action that makes a federated user's
// credentials from an IAM user's long-term keys.
const ActionGetFederationToken = "GetFederationToken"

var federationNameRE = regexp.MustCompile(`^[\w+=,.@-]+$`)

// getFederationToken answers GetFederationToken the way STS does: only
// long-term keys may call it, Name is 2 to 32 characters of [\w+=,.@-],
// DurationSeconds is 900 to 129600 (default 43200) and Policy, when sent, is
// a JSON document of at most 2048 characters. s.mu is held.
func (s *Server) getFederationToken(req Request, token string) (string, *Error) {
	k, e := s.caller(req, token)
	if e != nil {
		return "", e
	}
	if k.kind != kindLongTerm {
		e := AccessDenied("Cannot call GetFederationToken with session credentials")
		return "", &e
	}
	f := req.Form
	name := f.Get("Name")
	switch {
	case len(name) < 2:
		v := validationError("1 validation error detected: Value '" + name + "' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2")
		return "", &v
	case len(name) > 32:
		v := validationError("1 validation error detected: Value '" + name + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 32")
		return "", &v
	case !federationNameRE.MatchString(name):
		v := validationError("1 validation error detected: Value '" + name + "' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
		return "", &v
	}
	d, e := durationParam(f, 12*time.Hour, 900, 129600)
	if e != nil {
		return "", e
	}
	size := 0
	if policy, ok := f["Policy"]; ok {
		p := policy[0]
		if len(p) > 2048 {
			v := validationError("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048")
			return "", &v
		}
		if !json.Valid([]byte(p)) {
			e := Error{Status: 400, Type: "Sender", Code: "MalformedPolicyDocument", Message: "The policy is not in the valid JSON format."}
			return "", &e
		}
		size = (len(p)*100 + 2047) / 2048
	}
	arn := "arn:aws:sts::" + Account + ":federated-user/" + name
	id := Account + ":" + name
	c := s.issue(req.Action, arn, id, kindSession, d)
	return fmt.Sprintf(`<GetFederationTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetFederationTokenResult>
%s    <FederatedUser>
      <Arn>%s</Arn>
      <FederatedUserId>%s</FederatedUserId>
    </FederatedUser>
    <PackedPolicySize>%d</PackedPolicySize>
  </GetFederationTokenResult>
  <ResponseMetadata>
    <RequestId>%s</RequestId>
  </ResponseMetadata>
</GetFederationTokenResponse>
`, credentialsXML(c), xmlText(arn), xmlText(id), size, newRequestID()), nil
}
