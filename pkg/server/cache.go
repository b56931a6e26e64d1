package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// refreshWindow is how long before their expiry cached credentials stop being handed out.
const refreshWindow = 5 * time.Minute

// cache keeps the last credentials the provider returned and reuses them until refreshWindow
// before they expire. At most one provider call runs at a time; concurrent requests wait for it.
type cache struct {
	ctx      context.Context
	provider Provider
	now      func() time.Time

	mu       sync.Mutex
	creds    aws.Credentials
	have     bool
	inflight *call
}

// call is one provider call; done is closed once creds and err are set.
type call struct {
	done  chan struct{}
	creds aws.Credentials
	err   error
}

func newCache(ctx context.Context, provider Provider, now func() time.Time) *cache {
	return &cache{ctx: ctx, provider: provider, now: now}
}

// fresh reports whether creds may still be handed out without asking the provider.
func (c *cache) fresh(creds aws.Credentials) bool {
	if !creds.CanExpire {
		return true
	}
	return c.now().Add(refreshWindow).Before(creds.Expires)
}

// get returns cached credentials or waits for a provider call. When ctx ends first, get returns
// and the provider call goes on, so its result serves the next request.
func (c *cache) get(ctx context.Context) (aws.Credentials, error) {
	c.mu.Lock()
	if c.have && c.fresh(c.creds) {
		creds := c.creds
		c.mu.Unlock()
		return creds, nil
	}
	cl := c.inflight
	if cl == nil {
		cl = &call{done: make(chan struct{})}
		c.inflight = cl
		go c.run(cl)
	}
	c.mu.Unlock()

	select {
	case <-cl.done:
		return cl.creds, cl.err
	case <-ctx.Done():
		return aws.Credentials{}, ctx.Err()
	}
}

func (c *cache) run(cl *call) {
	creds, err := c.callProvider()
	c.mu.Lock()
	if err == nil {
		c.creds, c.have = creds, true
	}
	c.inflight = nil
	cl.creds, cl.err = creds, err
	c.mu.Unlock()
	close(cl.done)
}

// callProvider turns a provider panic into an error: the panic would otherwise happen on this
// goroutine and end credo while the child process still runs.
func (c *cache) callProvider() (creds aws.Credentials, err error) {
	defer func() {
		if r := recover(); r != nil {
			creds, err = aws.Credentials{}, fmt.Errorf("credential provider panicked: %v", r)
		}
	}()
	return c.provider(c.ctx)
}
