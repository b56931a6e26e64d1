package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// IMDS is an EC2 instance metadata endpoint that speaks IMDSv2 only: every GET needs a session
// token obtained with PUT /latest/api/token. Clients find it through
// AWS_EC2_METADATA_SERVICE_ENDPOINT.
type IMDS struct {
	b   *base
	key []byte // HMAC key for session tokens, random per endpoint
}

// Header names and paths of the IMDSv2 protocol.
const (
	imdsTTLHeader   = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	imdsTokenHeader = "X-Aws-Ec2-Metadata-Token"
	imdsTokenPath   = "/latest/api/token"
	imdsCredsPath   = "/latest/meta-data/iam/security-credentials/"
	imdsMaxTTL      = 21600
)

// Session tokens carry their own expiry and are signed, so the endpoint keeps no per-token
// state a local process could grow without bound: base64url(nonce | expiry | HMAC-SHA256).
const (
	imdsNonceLen  = 16
	imdsExpiryLen = 8
	imdsTokenLen  = imdsNonceLen + imdsExpiryLen + sha256.Size
)

// imdsCredentials is the body of GET /latest/meta-data/iam/security-credentials/ROLE.
type imdsCredentials struct {
	Code            string `json:"Code"`
	LastUpdated     string `json:"LastUpdated"`
	Type            string `json:"Type"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
}

// imdsError is the body IMDS uses when it cannot serve a role's credentials.
type imdsError struct {
	Code        string `json:"Code"`
	Message     string `json:"Message"`
	LastUpdated string `json:"LastUpdated"`
}

// imdsIdentity is the minimal instance identity document served when a region is set.
type imdsIdentity struct {
	Region           string `json:"region"`
	AvailabilityZone string `json:"availabilityZone"`
}

// StartIMDS starts an IMDSv2 endpoint on 127.0.0.1 on a random port. It lists one instance role
// (Options.RoleName) whose credentials come from provider. Close stops it.
func StartIMDS(provider Provider, opts Options) (*IMDS, error) {
	b, err := newBase("instance metadata", provider, opts)
	if err != nil {
		return nil, err
	}
	key, err := b.random(32)
	if err != nil {
		_ = b.close()
		return nil, err
	}
	m := &IMDS{b: b, key: key}
	b.serve(http.HandlerFunc(m.handle))
	return m, nil
}

// Endpoint returns the endpoint's address, http://127.0.0.1:PORT, the value for
// AWS_EC2_METADATA_SERVICE_ENDPOINT.
func (m *IMDS) Endpoint() string {
	return "http://127.0.0.1:" + m.b.port
}

// Close stops the endpoint and closes its open connections.
func (m *IMDS) Close() error {
	return m.b.close()
}

func (m *IMDS) handle(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPut:
		m.putToken(w, r)
	case http.MethodGet:
		if !m.validToken(r.Header.Get(imdsTokenHeader)) {
			// No IMDSv1: a GET without a valid session token is refused, as on an instance
			// configured with HttpTokens=required.
			textError(w, http.StatusUnauthorized, "a valid X-aws-ec2-metadata-token header is required")
			return
		}
		m.get(w, r)
	default:
		w.Header().Set("Allow", "GET, PUT")
		textError(w, http.StatusMethodNotAllowed, "only GET and PUT are allowed")
	}
}

// putToken answers PUT /latest/api/token.
func (m *IMDS) putToken(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != imdsTokenPath {
		w.Header().Set("Allow", http.MethodGet)
		textError(w, http.StatusMethodNotAllowed, "PUT is allowed only on "+imdsTokenPath)
		return
	}
	// A request that went through a proxy must not obtain a token: this is how IMDSv2 keeps a
	// misconfigured proxy or an SSRF from reaching the credentials.
	if len(r.Header.Values("X-Forwarded-For")) > 0 {
		textError(w, http.StatusForbidden, "token requests through a proxy (X-Forwarded-For) are refused")
		return
	}
	ttlText := r.Header.Get(imdsTTLHeader)
	ttl, ok := parseTTL(ttlText)
	if !ok {
		textError(w, http.StatusBadRequest, "X-aws-ec2-metadata-token-ttl-seconds must be a whole number from 1 to 21600")
		return
	}
	token, err := m.newToken(m.b.opts.Now().Add(time.Duration(ttl) * time.Second))
	if err != nil {
		m.b.opts.Log.Warn("token not issued", "endpoint", m.b.kind, "err", err)
		textError(w, http.StatusInternalServerError, "could not create a token")
		return
	}
	w.Header().Set(imdsTTLHeader, strconv.Itoa(ttl))
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(token))
}

// parseTTL accepts only plain decimal digits in 1..21600.
func parseTTL(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > imdsMaxTTL {
		return 0, false
	}
	return n, true
}

func (m *IMDS) sign(msg []byte) []byte {
	mac := hmac.New(sha256.New, m.key)
	mac.Write(msg)
	return mac.Sum(nil)
}

func (m *IMDS) newToken(expires time.Time) (string, error) {
	nonce, err := m.b.random(imdsNonceLen)
	if err != nil {
		return "", err
	}
	msg := binary.BigEndian.AppendUint64(nonce, uint64(expires.UnixNano()))
	return base64.RawURLEncoding.EncodeToString(append(msg, m.sign(msg)...)), nil
}

// validToken reports whether token was issued by this endpoint and has not expired.
func (m *IMDS) validToken(token string) bool {
	if token == "" {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != imdsTokenLen {
		return false
	}
	msg, mac := raw[:imdsNonceLen+imdsExpiryLen], raw[imdsNonceLen+imdsExpiryLen:]
	if !hmac.Equal(mac, m.sign(msg)) {
		return false
	}
	expires := time.Unix(0, int64(binary.BigEndian.Uint64(msg[imdsNonceLen:])))
	return m.b.opts.Now().Before(expires)
}

// get answers the GET paths, after the token check.
func (m *IMDS) get(w http.ResponseWriter, r *http.Request) {
	opts := m.b.opts
	p := r.URL.Path
	switch {
	case p == imdsCredsPath || p == strings.TrimSuffix(imdsCredsPath, "/"):
		textOK(w, opts.RoleName)
	case strings.HasPrefix(p, imdsCredsPath):
		name := strings.TrimSuffix(strings.TrimPrefix(p, imdsCredsPath), "/")
		if name != opts.RoleName {
			textError(w, http.StatusNotFound, "no such role")
			return
		}
		m.roleCredentials(w, r)
	case opts.Region != "" && p == "/latest/meta-data/placement/region":
		textOK(w, opts.Region)
	case opts.Region != "" && p == "/latest/meta-data/placement/availability-zone":
		// botocore derives the region from the zone by dropping its last letter.
		textOK(w, opts.Region+"a")
	case opts.Region != "" && p == "/latest/dynamic/instance-identity/document":
		writeJSON(w, http.StatusOK, imdsIdentity{Region: opts.Region, AvailabilityZone: opts.Region + "a"})
	default:
		textError(w, http.StatusNotFound, "not found")
	}
}

func (m *IMDS) roleCredentials(w http.ResponseWriter, r *http.Request) {
	now := m.b.opts.Now().UTC().Format(timeLayout)
	creds, exp, err := m.b.credentials(r)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, imdsError{
			Code: "CredentialsUnavailable", Message: providerFailureMessage, LastUpdated: now,
		})
		return
	}
	writeJSON(w, http.StatusOK, imdsCredentials{
		Code:            "Success",
		LastUpdated:     now,
		Type:            "AWS-HMAC",
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		Token:           creds.SessionToken,
		Expiration:      exp.Format(timeLayout),
	})
}

func textOK(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(body))
}

func textError(w http.ResponseWriter, status int, message string) {
	http.Error(w, message, status)
}
