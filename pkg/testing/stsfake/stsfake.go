// Package stsfake is a fake AWS Security Token Service for tests. It speaks
// the real STS Query protocol (form-encoded POST, Version 2011-06-15, XML
// answers in STS's own format) so that the real SDK client can be pointed at
// it through AWS_ENDPOINT_URL_STS or a BaseEndpoint.
//
// It issues unique temporary credentials and remembers every key it issued or
// was given, so it refuses unknown, revoked and expired keys the way STS does
// (InvalidClientTokenId, ExpiredToken). It reads the key id from the SigV4
// Authorization header and does not check signatures. It checks MFA codes
// against a configurable code, enforces STS's duration limits (including the
// one-hour limit on role chaining), records every request for assertions, and
// can be told to answer the next N calls with any error.
//
// It runs inside a test (NewTest) or as a plain server in another process
// (Start); the admin endpoints under /_fake/ let a script in another process
// count calls and configure it. Nothing in this package is for production.
package stsfake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Account is the account id of every ARN the fake makes up.
const Account = "123456789012"

// Actions the fake answers.
const (
	ActionGetSessionToken           = "GetSessionToken"
	ActionAssumeRole                = "AssumeRole"
	ActionAssumeRoleWithWebIdentity = "AssumeRoleWithWebIdentity"
	ActionGetCallerIdentity         = "GetCallerIdentity"
)

// Request is one request the fake received.
type Request struct {
	Action string
	// Form holds every form value as sent (TokenCode included: it is a fake).
	Form url.Values
	// AccessKeyID is the key id of the SigV4 Authorization header ("" when
	// unsigned, as AssumeRoleWithWebIdentity is).
	AccessKeyID string
	// Region is the region of the signature's credential scope.
	Region string
	Time   time.Time
}

// Error is an STS error answer.
type Error struct {
	Status  int    // HTTP status
	Type    string // Sender or Receiver
	Code    string
	Message string
}

// Throttling is STS's rate-exceeded answer.
func Throttling() Error {
	return Error{Status: 400, Type: "Sender", Code: "Throttling", Message: "Rate exceeded"}
}

// ExpiredToken is STS's answer to an expired session token.
func ExpiredToken() Error {
	return Error{Status: 400, Type: "Sender", Code: "ExpiredToken", Message: "The security token included in the request is expired"}
}

// InvalidClientTokenID is STS's answer to an unknown or deleted access key.
func InvalidClientTokenID() Error {
	return Error{Status: 403, Type: "Sender", Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."}
}

// RegionDisabled is STS's answer in a region the account has not enabled.
func RegionDisabled() Error {
	return Error{Status: 403, Type: "Sender", Code: "RegionDisabledException",
		Message: "STS is not activated in this region for account:" + Account + ". Your account administrator can activate STS in this region using the IAM Console."}
}

// AccessDenied is an AccessDenied answer with the given message.
func AccessDenied(message string) Error {
	return Error{Status: 403, Type: "Sender", Code: "AccessDenied", Message: message}
}

// MFAFailed is STS's answer to a wrong MFA code.
func MFAFailed() Error {
	return AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
}

// InternalFailure is a 500 answer, which SDKs retry.
func InternalFailure() Error {
	return Error{Status: 500, Type: "Receiver", Code: "InternalFailure", Message: "An internal error occurred"}
}

func validationError(msg string) Error {
	return Error{Status: 400, Type: "Sender", Code: "ValidationError", Message: msg}
}

type keyKind int

const (
	kindLongTerm keyKind = iota
	kindSession          // from GetSessionToken
	kindRole             // from AssumeRole*
)

type key struct {
	secret  string
	token   string
	arn     string // identity ARN the key acts as
	userID  string
	kind    keyKind
	expires time.Time // zero for long-term keys
	revoked bool
}

type fault struct {
	match func(Request) bool
	left  int
	err   Error
}

// Issued describes credentials the fake handed out.
type Issued struct {
	Action          string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	ARN             string // the identity the credentials act as
}

// Server is a running fake STS.
type Server struct {
	ln  net.Listener
	srv *http.Server
	url string

	mu            sync.Mutex
	now           func() time.Time
	mfaCode       string
	webToken      string
	fixedExpiry   time.Duration
	tokenPadding  int
	trickle       time.Duration
	keys          map[string]*key
	deniedRoles   map[string]bool
	faults        []*fault
	requests      []Request
	issued        []Issued
	seq           int
	acceptUnknown bool
}

// Start listens on addr (for example "127.0.0.1:0") and serves the fake in
// the background until Close.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("stsfake: %w", err)
	}
	s := &Server{
		ln:          ln,
		url:         "http://" + ln.Addr().String(),
		now:         time.Now,
		keys:        map[string]*key{},
		deniedRoles: map[string]bool{},
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// NewTest starts a fake on 127.0.0.1 that is closed when the test ends.
func NewTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// URL is the base URL to use as the STS endpoint, such as http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// SetNow sets the clock used for expiry times and checks.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetMFACode sets the one MFA code accepted; "" (the default) accepts any
// six digits.
func (s *Server) SetMFACode(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mfaCode = code
}

// SetWebIdentityToken sets the one web identity token accepted; "" (the
// default) accepts any non-empty token.
func (s *Server) SetWebIdentityToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webToken = token
}

// SetExpiry makes every issued credential last d, whatever was asked; 0 (the
// default) honours DurationSeconds and STS's defaults.
func (s *Server) SetExpiry(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixedExpiry = d
}

// SetSessionTokenPadding makes every issued SessionToken n characters longer
// (a hostile or broken STS); 0, the default, gives tokens of a real size.
func (s *Server) SetSessionTokenPadding(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenPadding = n
}

// SetTrickle makes the fake write each successful answer a few bytes at a
// time with a pause of d between writes, after sending its headers at once
// (a trickling network); 0, the default, writes it at once.
func (s *Server) SetTrickle(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trickle = d
}

// AcceptUnknownKeys makes the fake accept requests signed with keys it was
// never given, as an IAM user "arn:aws:iam::ACCOUNT:user/unknown".
func (s *Server) AcceptUnknownKeys(accept bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acceptUnknown = accept
}

// AddUser registers a long-term access key of the IAM user name and returns
// the user's ARN. The secret is not checked (signatures are not verified).
func (s *Server) AddUser(accessKeyID, secretAccessKey, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := "arn:aws:iam::" + Account + ":user/" + name
	s.keys[accessKeyID] = &key{secret: secretAccessKey, arn: arn, userID: "AIDA" + strings.ToUpper(hex.EncodeToString([]byte(name))), kind: kindLongTerm}
	return arn
}

// AddRoot registers a long-term access key of the account's root user and
// returns its ARN (arn:aws:iam::ACCOUNT:root), as GetCallerIdentity reports it.
func (s *Server) AddRoot(accessKeyID, secretAccessKey string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := "arn:aws:iam::" + Account + ":root"
	s.keys[accessKeyID] = &key{secret: secretAccessKey, arn: arn, userID: Account, kind: kindLongTerm}
	return arn
}

// Revoke makes the key (long-term or issued) answer InvalidClientTokenId, as
// a deleted access key does.
func (s *Server) Revoke(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[accessKeyID]; ok {
		k.revoked = true
		return
	}
	// An unknown key that AcceptUnknownKeys would let in is refused too.
	s.keys[accessKeyID] = &key{arn: "arn:aws:iam::" + Account + ":user/unknown", kind: kindLongTerm, revoked: true}
}

// Expire makes issued credentials answer ExpiredToken from now on.
func (s *Server) Expire(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[accessKeyID]; ok && k.kind != kindLongTerm {
		k.expires = s.now().Add(-time.Second)
	}
}

// DenyRole makes AssumeRole on roleARN answer AccessDenied naming the caller.
func (s *Server) DenyRole(roleARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deniedRoles[roleARN] = true
}

// FailNext answers the next n calls of action ("" = any action) with e.
// Scripted failures are used in the order they were added.
func (s *Server) FailNext(n int, action string, e Error) {
	s.FailNextMatching(n, func(r Request) bool { return action == "" || r.Action == action }, e)
}

// FailNextMatching answers the next n requests for which match returns true
// with e; for example only the AssumeRole calls of one RoleArn.
func (s *Server) FailNextMatching(n int, match func(Request) bool, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.faults = append(s.faults, &fault{match: match, left: n, err: e})
	}
}

// Calls counts the requests of action received so far; "" counts all.
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if action == "" || r.Action == action {
			n++
		}
	}
	return n
}

// Requests returns a copy of every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Form = cloneValues(r.Form)
		out[i] = r
	}
	return out
}

// Issued returns every set of credentials handed out so far, oldest first.
func (s *Server) Issued() []Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Issued(nil), s.issued...)
}

// ResetCalls forgets the recorded requests (keys and settings stay).
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ServeHTTP answers STS requests at / and admin requests under /_fake/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every answer carries the fake's clock, as STS's carry AWS's: a clock
	// set off with SetNow is what a client with a skewed clock sees.
	s.mu.Lock()
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	s.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/_fake/") {
		s.serveAdmin(w, r)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, Error{Status: 405, Type: "Sender", Code: "InvalidAction", Message: "STS takes POST requests"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeError(w, Error{Status: 400, Type: "Sender", Code: "MalformedQueryString", Message: err.Error()})
		return
	}
	form := r.PostForm
	keyID, region := parseAuthorization(r.Header.Get("Authorization"))
	req := Request{Action: form.Get("Action"), Form: cloneValues(form), AccessKeyID: keyID, Region: region}

	s.mu.Lock()
	req.Time = s.now()
	s.requests = append(s.requests, req)
	if f := s.takeFault(req); f != nil {
		s.mu.Unlock()
		writeError(w, *f)
		return
	}
	body, e := s.handle(req, r.Header.Get("X-Amz-Security-Token"))
	trickle := s.trickle
	s.mu.Unlock()
	if e != nil {
		writeError(w, *e)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	if trickle == 0 {
		_, _ = w.Write([]byte(body))
		return
	}
	w.WriteHeader(http.StatusOK)
	for i := 0; i < len(body); i += 16 {
		_, _ = w.Write([]byte(body[i:min(i+16, len(body))]))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(trickle):
		}
	}
}

func (s *Server) takeFault(req Request) *Error {
	for i, f := range s.faults {
		if !f.match(req) {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		e := f.err
		return &e
	}
	return nil
}

// parseAuthorization reads the key id and region from
// "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/sts/aws4_request, ...".
func parseAuthorization(h string) (keyID, region string) {
	i := strings.Index(h, "Credential=")
	if i < 0 {
		return "", ""
	}
	cred := h[i+len("Credential="):]
	if j := strings.IndexAny(cred, ", "); j >= 0 {
		cred = cred[:j]
	}
	parts := strings.Split(cred, "/")
	keyID = parts[0]
	if len(parts) >= 3 {
		region = parts[2]
	}
	return keyID, region
}

// caller authenticates a signed request; s.mu is held.
func (s *Server) caller(req Request, token string) (*key, *Error) {
	if req.AccessKeyID == "" {
		e := Error{Status: 403, Type: "Sender", Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token"}
		return nil, &e
	}
	k, ok := s.keys[req.AccessKeyID]
	if !ok {
		if s.acceptUnknown {
			return &key{arn: "arn:aws:iam::" + Account + ":user/unknown", userID: "AIDAUNKNOWN", kind: kindLongTerm}, nil
		}
		e := InvalidClientTokenID()
		return nil, &e
	}
	if k.revoked {
		e := InvalidClientTokenID()
		return nil, &e
	}
	if k.kind != kindLongTerm {
		if token != k.token {
			e := InvalidClientTokenID()
			return nil, &e
		}
		if !s.now().Before(k.expires) {
			e := ExpiredToken()
			return nil, &e
		}
	}
	return k, nil
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// handle runs one STS action; s.mu is held.
func (s *Server) handle(req Request, token string) (string, *Error) {
	f := req.Form
	if v := f.Get("Version"); v != "2011-06-15" {
		e := Error{Status: 400, Type: "Sender", Code: "InvalidAction", Message: "Could not find operation " + req.Action + " for version " + v}
		return "", &e
	}
	switch req.Action {
	case ActionGetCallerIdentity:
		k, e := s.caller(req, token)
		if e != nil {
			return "", e
		}
		return fmt.Sprintf(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>%s</Arn>
    <UserId>%s</UserId>
    <Account>%s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>%s</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`, xmlText(k.arn), xmlText(k.userID), Account, newRequestID()), nil

	case ActionGetSessionToken:
		k, e := s.caller(req, token)
		if e != nil {
			return "", e
		}
		if k.kind != kindLongTerm {
			e := AccessDenied("Cannot call GetSessionToken with session credentials")
			return "", &e
		}
		d, e := durationParam(f, 12*time.Hour, 900, 129600)
		if e != nil {
			return "", e
		}
		if e := s.checkMFA(f); e != nil {
			return "", e
		}
		c := s.issue(req.Action, k.arn, k.userID, kindSession, d)
		return fmt.Sprintf(`<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetSessionTokenResult>
%s  </GetSessionTokenResult>
  <ResponseMetadata>
    <RequestId>%s</RequestId>
  </ResponseMetadata>
</GetSessionTokenResponse>
`, credentialsXML(c), newRequestID()), nil

	case ActionAssumeRole:
		k, e := s.caller(req, token)
		if e != nil {
			return "", e
		}
		roleARN, name, e := roleParams(f)
		if e != nil {
			return "", e
		}
		d, e := durationParam(f, time.Hour, 900, 43200)
		if e != nil {
			return "", e
		}
		if k.kind != kindLongTerm && d > time.Hour {
			e := validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
			return "", &e
		}
		if s.deniedRoles[roleARN] {
			e := AccessDenied("User: " + k.arn + " is not authorized to perform: sts:AssumeRole on resource: " + roleARN)
			return "", &e
		}
		if e := s.checkMFA(f); e != nil {
			return "", e
		}
		return s.assumed(req.Action, roleARN, name, d, ""), nil

	case ActionGetFederationToken:
		return s.getFederationToken(req, token)

	case ActionAssumeRoleWithWebIdentity:
		roleARN, name, e := roleParams(f)
		if e != nil {
			return "", e
		}
		d, e := durationParam(f, time.Hour, 900, 43200)
		if e != nil {
			return "", e
		}
		tok := f.Get("WebIdentityToken")
		if tok == "" || (s.webToken != "" && tok != s.webToken) {
			e := Error{Status: 400, Type: "Sender", Code: "InvalidIdentityToken", Message: "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"}
			return "", &e
		}
		return s.assumed(req.Action, roleARN, name, d, "system:serviceaccount:default:credo"), nil
	}
	e := Error{Status: 400, Type: "Sender", Code: "InvalidAction", Message: "Could not find operation " + req.Action + " for version 2011-06-15"}
	return "", &e
}

func roleParams(f url.Values) (roleARN, name string, e *Error) {
	roleARN = f.Get("RoleArn")
	if !strings.HasPrefix(roleARN, "arn:") || !strings.Contains(roleARN, ":role/") {
		v := validationError("1 validation error detected: Value '" + roleARN + "' at 'roleArn' failed to satisfy constraint: Member must be a valid role ARN")
		return "", "", &v
	}
	name = f.Get("RoleSessionName")
	if !sessionNameRE.MatchString(name) {
		v := validationError("1 validation error detected: Value '" + name + "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
		return "", "", &v
	}
	return roleARN, name, nil
}

func durationParam(f url.Values, def time.Duration, min, max int) (time.Duration, *Error) {
	v := f.Get("DurationSeconds")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		e := validationError(fmt.Sprintf("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", v, min, max))
		return 0, &e
	}
	return time.Duration(n) * time.Second, nil
}

func (s *Server) checkMFA(f url.Values) *Error {
	serial, code := f.Get("SerialNumber"), f.Get("TokenCode")
	if serial == "" && code == "" {
		return nil
	}
	if serial == "" || len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		e := validationError("1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must have length 6 and a serial number")
		return &e
	}
	if s.mfaCode != "" && code != s.mfaCode {
		e := MFAFailed()
		return &e
	}
	return nil
}

func (s *Server) assumed(action, roleARN, name string, d time.Duration, subject string) string {
	roleName := roleARN[strings.LastIndex(roleARN, "/")+1:]
	arn := "arn:aws:sts::" + Account + ":assumed-role/" + roleName + "/" + name
	roleID := "AROA" + strings.ToUpper(hex.EncodeToString([]byte(roleName)))
	if len(roleID) > 21 {
		roleID = roleID[:21]
	}
	c := s.issue(action, arn, roleID+":"+name, kindRole, d)
	extra := ""
	if subject != "" {
		extra = "    <SubjectFromWebIdentityToken>" + xmlText(subject) + "</SubjectFromWebIdentityToken>\n" +
			"    <Audience>sts.amazonaws.com</Audience>\n    <Provider>oidc.example.com</Provider>\n"
	}
	return fmt.Sprintf(`<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <%[1]sResult>
%[2]s    <AssumedRoleUser>
      <Arn>%[3]s</Arn>
      <AssumedRoleId>%[4]s</AssumedRoleId>
    </AssumedRoleUser>
%[5]s    <PackedPolicySize>6</PackedPolicySize>
  </%[1]sResult>
  <ResponseMetadata>
    <RequestId>%[6]s</RequestId>
  </ResponseMetadata>
</%[1]sResponse>
`, action, extra, xmlText(arn), xmlText(roleID+":"+name), credentialsXML(c), newRequestID())
}

// issue makes new temporary credentials; s.mu is held.
func (s *Server) issue(action, arn, userID string, kind keyKind, d time.Duration) Issued {
	s.seq++
	if s.fixedExpiry != 0 {
		d = s.fixedExpiry
	}
	id := fmt.Sprintf("ASIAFAKE%012d", s.seq)
	c := Issued{
		Action:          action,
		AccessKeyID:     id,
		SecretAccessKey: randomString(20),
		SessionToken:    "FwoGZXIvYXdzEFAKE" + randomString(48) + strings.Repeat("A", s.tokenPadding),
		Expiration:      s.now().Add(d).UTC().Truncate(time.Second),
		ARN:             arn,
	}
	s.keys[id] = &key{secret: c.SecretAccessKey, token: c.SessionToken, arn: arn, userID: userID, kind: kind, expires: c.Expiration}
	s.issued = append(s.issued, c)
	return c
}

func credentialsXML(c Issued) string {
	return fmt.Sprintf(`    <Credentials>
      <AccessKeyId>%s</AccessKeyId>
      <SecretAccessKey>%s</SecretAccessKey>
      <SessionToken>%s</SessionToken>
      <Expiration>%s</Expiration>
    </Credentials>
`, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration.Format("2006-01-02T15:04:05Z"))
}

func writeError(w http.ResponseWriter, e Error) {
	id := newRequestID()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", id)
	w.WriteHeader(e.Status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>%s</Type>
    <Code>%s</Code>
    <Message>%s</Message>
  </Error>
  <RequestId>%s</RequestId>
</ErrorResponse>
`, xmlText(e.Type), xmlText(e.Code), xmlText(e.Message), id)
}

func xmlText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// countsLocked returns call counts by action; s.mu is held.
func (s *Server) countsLocked() map[string]int {
	m := map[string]int{}
	for _, r := range s.requests {
		m[r.Action]++
	}
	return m
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
