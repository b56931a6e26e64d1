package creds

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

// memStore is an in-memory keystore.Store that counts what it is asked.
type memStore struct {
	mu       sync.Mutex
	keys     map[string]keystore.LongTermKey
	sessions map[string][]keystore.SessionRef // profile -> refs
	data     map[keystore.SessionRef]keystore.Session

	getKey, findSession, setSession, removeSession int
}

func newMemStore() *memStore {
	return &memStore{
		keys:     map[string]keystore.LongTermKey{},
		sessions: map[string][]keystore.SessionRef{},
		data:     map[keystore.SessionRef]keystore.Session{},
	}
}

func (m *memStore) Backend() string { return "memory" }

func (m *memStore) GetKey(profile string) (keystore.LongTermKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.getKey++
	k, ok := m.keys[profile]
	if !ok {
		return k, fmt.Errorf("profile %q: %w", profile, keystore.ErrNotFound)
	}
	return k, nil
}

func (m *memStore) SetKey(profile string, k keystore.LongTermKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[profile] = k
	return nil
}

func (m *memStore) RemoveKey(profile string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, profile)
	return nil
}

func (m *memStore) KeyProfiles() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.keys {
		out = append(out, k)
	}
	return out, nil
}

func (m *memStore) FindSession(profile, cacheKey string, notAfter time.Time) (keystore.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.findSession++
	var best keystore.Session
	found := false
	for _, ref := range m.sessions[profile] {
		if ref.CacheKey != cacheKey || !ref.Expiration.After(notAfter) {
			continue
		}
		if s := m.data[ref]; !found || s.Expiration.After(best.Expiration) {
			best, found = s, true
		}
	}
	if !found {
		return best, keystore.ErrNotFound
	}
	return best, nil
}

func (m *memStore) SetSession(profile, cacheKey string, s keystore.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setSession++
	ref := keystore.SessionRef{Profile: profile, CacheKey: cacheKey, Expiration: s.Expiration}
	if _, ok := m.data[ref]; !ok {
		m.sessions[profile] = append(m.sessions[profile], ref)
	}
	m.data[ref] = s
	return nil
}

func (m *memStore) Sessions(profile string) ([]keystore.SessionRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []keystore.SessionRef
	for p, refs := range m.sessions {
		if profile == "" || p == profile {
			out = append(out, refs...)
		}
	}
	return out, nil
}

func (m *memStore) RemoveSession(ref keystore.SessionRef) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removeSession++
	refs := m.sessions[ref.Profile]
	for i, r := range refs {
		if r == ref {
			m.sessions[ref.Profile] = append(refs[:i:i], refs[i+1:]...)
			delete(m.data, ref)
			return nil
		}
	}
	return keystore.ErrNotFound
}

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.data)
}

func (m *memStore) resetCounts() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.getKey, m.findSession, m.setSession, m.removeSession = 0, 0, 0, 0
}

// promptFunc is a Prompter made of a function.
type promptFunc func(ctx context.Context, serial, message string) (string, error)

func (f promptFunc) MFACode(ctx context.Context, serial, message string) (string, error) {
	return f(ctx, serial, message)
}

// clock is a settable fixed clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	aliceKey    = "AKIAALICEEXAMPLE00001"
	aliceSecret = "alice-secret-000000000000000000000000000"
	aliceSerial = "arn:aws:iam::123456789012:mfa/alice"
	goodCode    = "864213"
)

// env is a test world: a fake STS reached through the real SDK client, an
// in-memory store holding alice's key for profile "base", a counting prompt.
type env struct {
	t       *testing.T
	fake    *stsfake.Server
	store   *memStore
	clock   *clock
	prompts int
	code    string
	newSTS  int
	notice  bytes.Buffer
	vars    map[string]string
	r       *Resolver
	mu      sync.Mutex
	aliceID string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, fake: stsfake.NewTest(t), store: newMemStore(), clock: &clock{t: t0}, code: goodCode}
	e.fake.SetNow(e.clock.Now)
	e.fake.SetMFACode(goodCode)
	e.aliceID = e.fake.AddUser(aliceKey, aliceSecret, "alice")
	e.store.keys["base"] = keystore.LongTermKey{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}
	e.vars = map[string]string{
		"AWS_ENDPOINT_URL_STS": e.fake.URL(),
		"USER":                 "alice",
		// Anything that ignores the endpoint must fail at once, locally.
		"HTTPS_PROXY": "http://127.0.0.1:9",
	}
	getenv := func(k string) string { return e.vars[k] }
	mk := NewSTSFunc(STSOptions{Getenv: getenv, MaxBackoff: time.Millisecond})
	e.r = &Resolver{
		Store: e.store,
		NewSTS: func(p *config.Profile, c aws.CredentialsProvider) STSAPI {
			e.mu.Lock()
			e.newSTS++
			e.mu.Unlock()
			return mk(p, c)
		},
		Prompt: promptFunc(func(ctx context.Context, serial, message string) (string, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.prompts++
			if serial == "" || !strings.Contains(message, serial) {
				t.Errorf("prompt: serial %q, message %q", serial, message)
			}
			return e.code, nil
		}),
		Getenv: getenv,
		Now:    e.clock.Now,
		MinTTL: testMinTTL,
		Notice: &e.notice,
	}
	return e
}

// testMinTTL is the min_ttl setting's default, which the tests use.
const testMinTTL = 15 * time.Minute

func (e *env) retrieve(opts Options, chain ...*config.Profile) (aws.Credentials, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return e.r.Retrieve(ctx, chain, opts)
}

func (e *env) mustRetrieve(opts Options, chain ...*config.Profile) aws.Credentials {
	e.t.Helper()
	c, err := e.retrieve(opts, chain...)
	if err != nil {
		e.t.Fatalf("Retrieve: %v", err)
	}
	return c
}

// reqs returns the recorded requests and forgets them.
func (e *env) reqs() []stsfake.Request {
	r := e.fake.Requests()
	e.fake.ResetCalls()
	return r
}

// issuedBy returns the credentials the fake issued with access key id.
func (e *env) issued(id string) stsfake.Issued {
	for _, i := range e.fake.Issued() {
		if i.AccessKeyID == id {
			return i
		}
	}
	e.t.Fatalf("key %s was not issued by the fake", id)
	return stsfake.Issued{}
}

func base() *config.Profile { return &config.Profile{Name: "base"} }

func baseMFA() *config.Profile { return &config.Profile{Name: "base", MFASerial: aliceSerial} }

func role(name string) *config.Profile {
	return &config.Profile{Name: name, SourceProfile: "x", RoleARN: "arn:aws:iam::123456789012:role/" + name}
}

func roleMFA(name string) *config.Profile {
	p := role(name)
	p.MFASerial = aliceSerial
	return p
}

// want is the expected form of one STS request: every key listed must have
// that value ("" = must be absent); keys not listed are not checked except
// the MFA ones, which must be absent unless listed.
type want struct {
	action string
	signer string // access key id the request was signed with ("" = unsigned)
	form   map[string]string
}

func checkRequests(t *testing.T, got []stsfake.Request, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		var acts []string
		for _, r := range got {
			acts = append(acts, r.Action)
		}
		t.Fatalf("got %d STS requests %v, want %d", len(got), acts, len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if g.Action != w.action {
			t.Errorf("request %d: action %s, want %s", i, g.Action, w.action)
		}
		if g.AccessKeyID != w.signer {
			t.Errorf("request %d (%s): signed by %q, want %q", i, g.Action, g.AccessKeyID, w.signer)
		}
		for _, k := range []string{"SerialNumber", "TokenCode"} {
			if _, listed := w.form[k]; !listed && g.Form.Has(k) {
				t.Errorf("request %d (%s): unexpected %s", i, g.Action, k)
			}
		}
		for k, v := range w.form {
			if v == "" {
				if g.Form.Has(k) {
					t.Errorf("request %d (%s): unexpected %s=%q", i, g.Action, k, g.Form.Get(k))
				}
				continue
			}
			if gv := g.Form.Get(k); gv != v {
				t.Errorf("request %d (%s): %s=%q, want %q", i, g.Action, k, gv, v)
			}
		}
	}
}

func sessionName() string { return fmt.Sprintf("credo-alice-%d", t0.Unix()) }
