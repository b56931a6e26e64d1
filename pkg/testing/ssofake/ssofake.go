// Package ssofake is a fake IAM Identity Center (SSO OIDC and SSO portal)
// for tests: it speaks the services' REST-JSON protocol (POST
// /client/register, /device_authorization, /token; GET
// /federation/credentials), records every call, and approves a device code
// when its verification URL is fetched, as a person would in the browser.
package ssofake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Call is one request the fake answered.
type Call struct {
	Op        string // RegisterClient, StartDeviceAuthorization, CreateToken, GetRoleCredentials, Approve
	GrantType string // for CreateToken
	Scopes    []string
	Name      string // clientName of RegisterClient
	Type      string // clientType of RegisterClient
	StartURL  string
	AccountID string
	RoleName  string
	Status    int
	Code      string // error code answered, "" on success
}

// RoleCredentials are credentials the fake handed out.
type RoleCredentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
	AccountID, RoleName                        string
}

type device struct {
	clientID  string
	userCode  string
	approved  bool
	expiresAt time.Time
}

type accessToken struct {
	expiresAt time.Time
	revoked   bool
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	now       func() time.Time
	calls     []Call
	clients   map[string]string // id -> secret
	devices   map[string]*device
	byCode    map[string]*device // user code -> device
	tokens    map[string]*accessToken
	refresh   map[string]string // refresh token -> client id
	issued    []RoleCredentials
	fail      []failure
	pending   int // extra AuthorizationPending answers after approval
	interval  int32
	tokenTTL  time.Duration
	roleTTL   time.Duration
	noRefresh bool
	auto      bool
	deny      bool
}

type failure struct {
	op, code string
	n        int
}

// New starts a fake on 127.0.0.1 and a random port.
func New() (*Server, error) {
	s := &Server{
		now:      time.Now,
		clients:  map[string]string{},
		devices:  map[string]*device{},
		byCode:   map[string]*device{},
		tokens:   map[string]*accessToken{},
		refresh:  map[string]string{},
		interval: 1,
		tokenTTL: 8 * time.Hour,
		roleTTL:  time.Hour,
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("ssofake: %w", err)
	}
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}}
	s.srv.Start()
	return s, nil
}

// NewTest starts a fake closed at the end of the test.
func NewTest(t testing.TB) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// URL is the base URL of both services.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetNow sets the fake's clock (token and credential expiry).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetInterval sets the polling interval (seconds) device authorizations ask for.
func (s *Server) SetInterval(sec int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interval = sec
}

// SetTokenTTL sets the lifetime of access tokens.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// SetRoleTTL sets the lifetime of role credentials.
func (s *Server) SetRoleTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roleTTL = d
}

// SetNoRefreshTokens makes CreateToken answer without refresh tokens.
func (s *Server) SetNoRefreshTokens(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noRefresh = v
}

// SetAutoApprove approves every device code as soon as it is issued.
func (s *Server) SetAutoApprove(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auto = v
}

// SetDeny makes an approval a refusal (CreateToken answers AccessDeniedException).
func (s *Server) SetDeny(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = v
}

// SetPending makes CreateToken answer AuthorizationPendingException n more
// times after a device code is approved.
func (s *Server) SetPending(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = n
}

// FailNext makes the next n calls of op answer the error code (e.g.
// CreateToken SlowDownException, CreateToken ExpiredTokenException,
// GetRoleCredentials UnauthorizedException).
func (s *Server) FailNext(n int, op, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, failure{op: op, code: code, n: n})
}

// ExpireAccessTokens makes every access token issued so far expired.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.expiresAt = time.Time{}
	}
}

// RevokeAccessTokens makes every access token issued so far refused
// (UnauthorizedException), as after a sign-out.
func (s *Server) RevokeAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
}

// Calls returns how many calls of op were answered (successes and errors);
// "" counts all.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if op == "" || c.Op == op {
			n++
		}
	}
	return n
}

// Requests returns every call answered, in order.
func (s *Server) Requests() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Issued returns the role credentials handed out.
func (s *Server) Issued() []RoleCredentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RoleCredentials(nil), s.issued...)
}

// AccessTokens returns the access tokens issued (to check they are kept secret).
func (s *Server) AccessTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for t := range s.tokens {
		out = append(out, t)
	}
	return out
}

// ClientSecrets returns the client secrets issued.
func (s *Server) ClientSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, v := range s.clients {
		out = append(out, v)
	}
	return out
}

// RefreshTokens returns the refresh tokens currently valid.
func (s *Server) RefreshTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for t := range s.refresh {
		out = append(out, t)
	}
	return out
}

func random(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// ServeHTTP answers both services.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/client/register":
		s.register(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/device_authorization":
		s.deviceAuthorization(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/token":
		s.token(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/federation/credentials":
		s.roleCredentials(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/device":
		s.approve(w, r)
	case strings.HasPrefix(r.URL.Path, "/_fake/"):
		s.control(w, r)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// control lets another process drive the fake:
//
//	GET  /_fake/calls             JSON counts by operation, and "total"
//	GET  /_fake/calls?op=OP       a bare number
//	POST /_fake/revoke            RevokeAccessTokens
//	POST /_fake/expire            ExpireAccessTokens
//	POST /_fake/auto-approve      SetAutoApprove(true)
//	POST /_fake/fail?op=OP&code=CODE&n=N  FailNext
//
// The caller holds s.mu.
func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/_fake/calls":
		counts := map[string]int{"total": len(s.calls)}
		for _, c := range s.calls {
			counts[c.Op]++
		}
		if op := q.Get("op"); op != "" {
			_, _ = fmt.Fprintln(w, counts[op])
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(counts)
	case r.Method == http.MethodPost && r.URL.Path == "/_fake/revoke":
		for _, t := range s.tokens {
			t.revoked = true
		}
	case r.Method == http.MethodPost && r.URL.Path == "/_fake/expire":
		for _, t := range s.tokens {
			t.expiresAt = time.Time{}
		}
	case r.Method == http.MethodPost && r.URL.Path == "/_fake/auto-approve":
		s.auto = true
	case r.Method == http.MethodPost && r.URL.Path == "/_fake/fail":
		n := 1
		if v := q.Get("n"); v != "" {
			if _, err := fmt.Sscan(v, &n); err != nil {
				http.Error(w, "bad n", http.StatusBadRequest)
				return
			}
		}
		s.fail = append(s.fail, failure{op: q.Get("op"), code: q.Get("code"), n: n})
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// failing returns the code op must fail with now, if any.
func (s *Server) failing(op string) string {
	for i := range s.fail {
		f := &s.fail[i]
		if f.op == op && f.n > 0 {
			f.n--
			return f.code
		}
	}
	return ""
}

var oidcErrors = map[string]string{
	"AuthorizationPendingException": "authorization_pending",
	"SlowDownException":             "slow_down",
	"ExpiredTokenException":         "expired_token",
	"AccessDeniedException":         "access_denied",
	"InvalidClientException":        "invalid_client",
	"InvalidGrantException":         "invalid_grant",
	"InvalidRequestException":       "invalid_request",
	"UnauthorizedClientException":   "unauthorized_client",
}

func (s *Server) oidcError(w http.ResponseWriter, c *Call, code, desc string) {
	status := http.StatusBadRequest
	switch code {
	case "InvalidClientException", "UnauthorizedClientException":
		status = http.StatusUnauthorized
	case "InternalServerException":
		status = http.StatusInternalServerError
	}
	c.Status, c.Code = status, code
	s.calls = append(s.calls, *c)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": oidcErrors[code], "error_description": desc})
}

func (s *Server) ok(w http.ResponseWriter, c *Call, body any) {
	c.Status = http.StatusOK
	s.calls = append(s.calls, *c)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientName string   `json:"clientName"`
		ClientType string   `json:"clientType"`
		Scopes     []string `json:"scopes"`
	}
	c := &Call{Op: "RegisterClient"}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.oidcError(w, c, "InvalidRequestException", "bad JSON")
		return
	}
	c.Name, c.Type, c.Scopes = in.ClientName, in.ClientType, in.Scopes
	if code := s.failing(c.Op); code != "" {
		s.oidcError(w, c, code, "injected failure")
		return
	}
	if in.ClientName == "" || in.ClientType != "public" {
		s.oidcError(w, c, "InvalidRequestException", "clientName and clientType public are required")
		return
	}
	id, secret := random("client-", 8), random("clientsecret-", 16)
	s.clients[id] = secret
	now := s.now()
	s.ok(w, c, map[string]any{
		"clientId":              id,
		"clientSecret":          secret,
		"clientIdIssuedAt":      now.Unix(),
		"clientSecretExpiresAt": now.Add(90 * 24 * time.Hour).Unix(),
	})
}

func (s *Server) client(id, secret string) bool {
	want, ok := s.clients[id]
	return ok && secret != "" && secret == want
}

func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		StartURL     string `json:"startUrl"`
	}
	c := &Call{Op: "StartDeviceAuthorization"}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.oidcError(w, c, "InvalidRequestException", "bad JSON")
		return
	}
	c.StartURL = in.StartURL
	if code := s.failing(c.Op); code != "" {
		s.oidcError(w, c, code, "injected failure")
		return
	}
	if !s.client(in.ClientID, in.ClientSecret) {
		s.oidcError(w, c, "InvalidClientException", "unknown client")
		return
	}
	if in.StartURL == "" {
		s.oidcError(w, c, "InvalidRequestException", "startUrl is required")
		return
	}
	d := &device{clientID: in.ClientID, userCode: strings.ToUpper(random("", 2) + "-" + random("", 2)), expiresAt: s.now().Add(10 * time.Minute), approved: s.auto}
	code := random("devicecode-", 16)
	s.devices[code] = d
	s.byCode[d.userCode] = d
	s.ok(w, c, map[string]any{
		"deviceCode":              code,
		"userCode":                d.userCode,
		"verificationUri":         s.srv.URL + "/device",
		"verificationUriComplete": s.srv.URL + "/device?user_code=" + d.userCode,
		"expiresIn":               600,
		"interval":                s.interval,
	})
}

// approve is the "browser" page: fetching it approves the user code.
func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	c := &Call{Op: "Approve"}
	d := s.byCode[r.URL.Query().Get("user_code")]
	if d == nil {
		c.Status = http.StatusNotFound
		s.calls = append(s.calls, *c)
		http.Error(w, "unknown user code", http.StatusNotFound)
		return
	}
	d.approved = true
	c.Status = http.StatusOK
	s.calls = append(s.calls, *c)
	w.Header().Set("Content-Type", "text/plain")
	_, _ = fmt.Fprintln(w, "approved")
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		GrantType    string `json:"grantType"`
		DeviceCode   string `json:"deviceCode"`
		RefreshToken string `json:"refreshToken"`
	}
	c := &Call{Op: "CreateToken"}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.oidcError(w, c, "InvalidRequestException", "bad JSON")
		return
	}
	c.GrantType = in.GrantType
	if code := s.failing(c.Op); code != "" {
		s.oidcError(w, c, code, "injected failure")
		return
	}
	if !s.client(in.ClientID, in.ClientSecret) {
		s.oidcError(w, c, "InvalidClientException", "unknown client")
		return
	}
	switch in.GrantType {
	case "urn:ietf:params:oauth:grant-type:device_code":
		d := s.devices[in.DeviceCode]
		switch {
		case d == nil || d.clientID != in.ClientID:
			s.oidcError(w, c, "InvalidGrantException", "unknown device code")
			return
		case !s.now().Before(d.expiresAt):
			s.oidcError(w, c, "ExpiredTokenException", "device code expired")
			return
		case !d.approved:
			s.oidcError(w, c, "AuthorizationPendingException", "waiting for approval")
			return
		case s.deny:
			s.oidcError(w, c, "AccessDeniedException", "denied")
			return
		case s.pending > 0:
			s.pending--
			s.oidcError(w, c, "AuthorizationPendingException", "waiting for approval")
			return
		}
		delete(s.devices, in.DeviceCode)
		delete(s.byCode, d.userCode)
	case "refresh_token":
		if id, ok := s.refresh[in.RefreshToken]; !ok || id != in.ClientID {
			s.oidcError(w, c, "InvalidGrantException", "invalid refresh token")
			return
		}
		delete(s.refresh, in.RefreshToken)
	default:
		s.oidcError(w, c, "UnsupportedGrantTypeException", "unsupported grant type")
		return
	}
	tok := random("accesstoken-", 24)
	s.tokens[tok] = &accessToken{expiresAt: s.now().Add(s.tokenTTL)}
	out := map[string]any{
		"accessToken": tok,
		"tokenType":   "Bearer",
		"expiresIn":   int64(s.tokenTTL / time.Second),
	}
	if !s.noRefresh {
		rt := random("refreshtoken-", 24)
		s.refresh[rt] = in.ClientID
		out["refreshToken"] = rt
	}
	s.ok(w, c, out)
}

func (s *Server) roleCredentials(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := &Call{Op: "GetRoleCredentials", AccountID: q.Get("account_id"), RoleName: q.Get("role_name")}
	fail := func(status int, code, msg string) {
		c.Status, c.Code = status, code
		s.calls = append(s.calls, *c)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", code)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
	if code := s.failing(c.Op); code != "" {
		status := http.StatusBadRequest
		switch code {
		case "UnauthorizedException":
			status = http.StatusUnauthorized
		case "ForbiddenException":
			status = http.StatusForbidden
		case "TooManyRequestsException":
			status = http.StatusTooManyRequests
		}
		fail(status, code, "injected failure")
		return
	}
	tok := s.tokens[r.Header.Get("X-Amz-Sso_bearer_token")]
	switch {
	case tok == nil || tok.revoked:
		fail(http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid")
		return
	case !s.now().Before(tok.expiresAt):
		fail(http.StatusUnauthorized, "UnauthorizedException", "Session token expired")
		return
	case c.AccountID == "" || c.RoleName == "":
		fail(http.StatusBadRequest, "InvalidRequestException", "account_id and role_name are required")
		return
	}
	rc := RoleCredentials{
		AccessKeyID:     strings.ToUpper(random("ASIA", 8)),
		SecretAccessKey: random("", 20),
		SessionToken:    random("ssosession-", 32),
		Expiration:      s.now().Add(s.roleTTL).UTC().Truncate(time.Millisecond),
		AccountID:       c.AccountID,
		RoleName:        c.RoleName,
	}
	s.issued = append(s.issued, rc)
	s.ok(w, c, map[string]any{"roleCredentials": map[string]any{
		"accessKeyId":     rc.AccessKeyID,
		"secretAccessKey": rc.SecretAccessKey,
		"sessionToken":    rc.SessionToken,
		"expiration":      rc.Expiration.UnixMilli(),
	}})
}
