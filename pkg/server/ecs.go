package server

import (
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// ECS is a container-credentials endpoint, the protocol AWS SDKs and CLIs use on ECS and EKS: a
// client that finds AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN in
// its environment sends GET URL with the token as its Authorization header.
type ECS struct {
	b     *base
	token string
}

// ecsCredentials is the body of a successful answer.
type ecsCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
}

// ecsError is the body of a failed answer, the shape the SDKs decode.
type ecsError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// StartECS starts a container-credentials endpoint on 127.0.0.1 on a random port. It serves
// credentials from provider to clients that send Token as their Authorization header. Close
// stops it.
func StartECS(provider Provider, opts Options) (*ECS, error) {
	b, err := newBase("container", provider, opts)
	if err != nil {
		return nil, err
	}
	raw, err := b.random(32)
	if err != nil {
		_ = b.close()
		return nil, err
	}
	e := &ECS{b: b, token: hex.EncodeToString(raw)}
	b.serve(http.HandlerFunc(e.handle))
	return e, nil
}

// URL returns the endpoint's address, http://127.0.0.1:PORT/, the value for
// AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (e *ECS) URL() string {
	return "http://127.0.0.1:" + e.b.port + "/"
}

// Token returns the bearer token (256 random bits, hex), the value for
// AWS_CONTAINER_AUTHORIZATION_TOKEN. It is a secret.
func (e *ECS) Token() string {
	return e.token
}

// Close stops the endpoint and closes its open connections.
func (e *ECS) Close() error {
	return e.b.close()
}

func (e *ECS) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSONError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only GET is allowed")
		return
	}
	got := r.Header.Get("Authorization")
	if got == "" {
		writeJSONError(w, http.StatusUnauthorized, "MissingToken", "the Authorization header is missing")
		return
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(e.token)) != 1 {
		writeJSONError(w, http.StatusForbidden, "InvalidToken", "the Authorization header does not match")
		return
	}
	if r.URL.Path != "/" {
		writeJSONError(w, http.StatusNotFound, "NotFound", "no such path; credentials are served at /")
		return
	}
	creds, exp, err := e.b.credentials(r)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "CredentialsUnavailable", providerFailureMessage)
		return
	}
	writeJSON(w, http.StatusOK, ecsCredentials{
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		Token:           creds.SessionToken,
		Expiration:      exp.Format(timeLayout),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, ecsError{Code: code, Message: message})
}
