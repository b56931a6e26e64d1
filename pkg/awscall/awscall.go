// Package awscall holds what every caller of an AWS service in credo
// needs around the SDK's own retries: telling a network failure from an
// answer, and waiting between polls without outliving the request.
package awscall

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
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
func HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   DialTimeout,
		ResponseHeaderTimeout: HeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}}
}
