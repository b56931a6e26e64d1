// Package awscall holds what every caller of an AWS service in credo
// needs around the SDK's own retries: telling a network failure from an
// answer, and waiting between polls without outliving the request.
package awscall

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// TransportFailure finds the network error under an SDK error: the request
// never got an HTTP answer. ok is false for an answer, even an error one.
func TransportFailure(err error) (cause error, ok bool) {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
		return nil, false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err, true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return ne, true
	}
	return nil, false
}

// Sleep waits for d, or until ctx ends (its error then).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Bounds of every AWS call credo makes: a dead endpoint fails at the dial, a
// silent one at the response header, and a call with its retries within
// CallTimeout.
const (
	DialTimeout   = 3 * time.Second
	HeaderTimeout = 6 * time.Second
	CallTimeout   = 10 * time.Second
)

// HTTPClient is the client of every AWS service credo calls:
// http.DefaultTransport's settings (HTTPS_PROXY, HTTP_PROXY and NO_PROXY
// honoured) with the bounds above, so that a dead or silent endpoint fails
// fast. One client serves any number of goroutines.
//
// Every answer's body is capped at MaxAnswerBytes (reading past it fails
// with an *AnswerTooLargeError), and a request whose context came from
// WithProgress records that an answer began.
func HTTPClient() *http.Client {
	return &http.Client{Transport: &boundedTransport{next: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   DialTimeout,
		ResponseHeaderTimeout: HeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}}}
}

// MaxAnswerBytes bounds the body of any answer of an AWS service credo
// reads: STS answers are about 2 KB, and the largest answer credo reads (an
// SSO account listing page) stays far below it.
const MaxAnswerBytes = 1 << 20

// AnswerTooLargeError is the error of reading an answer body past Limit
// bytes.
type AnswerTooLargeError struct{ Limit int64 }

func (e *AnswerTooLargeError) Error() string {
	return fmt.Sprintf("the answer is larger than %d KiB, far more than any real one; refused", e.Limit>>10)
}

type boundedTransport struct{ next http.RoundTripper }

func (t *boundedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	if p, ok := r.Context().Value(progressKey{}).(*Progress); ok {
		p.answered.Store(true)
	}
	resp.Body = &cappedBody{rc: resp.Body, left: MaxAnswerBytes}
	return resp, nil
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a larger one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, &AnswerTooLargeError{Limit: MaxAnswerBytes}
		}
		return b.rc.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// Progress records how far a call got, for its error message.
type Progress struct{ answered atomic.Bool }

// Answered reports whether an answer's headers arrived: a call that then
// timed out was slowed down in the middle of the answer, not unanswered.
func (p *Progress) Answered() bool { return p.answered.Load() }

type progressKey struct{}

// WithProgress returns a context whose requests through HTTPClient record
// their progress in the returned Progress.
func WithProgress(ctx context.Context) (context.Context, *Progress) {
	p := &Progress{}
	return context.WithValue(ctx, progressKey{}, p), p
}

// TooLarge finds an *AnswerTooLargeError under err.
func TooLarge(err error) (*AnswerTooLargeError, bool) {
	var e *AnswerTooLargeError
	ok := errors.As(err, &e)
	return e, ok
}
