package plan

import (
	"errors"
	"strings"

	"github.com/credo-cli/credo/pkg/config"
)

// ErrNoSession is returned (wrapped) by TargetKey when the target's
// credentials are never cached: long-term keys handed out with --no-session,
// static session credentials from the AWS files, credential_source =
// Environment and credential_process without a role on top. The caller must
// then run the full resolver (nothing is in the keystore to look up).
var ErrNoSession = errors.New("credentials are not cached")

// TargetKey returns the profile name and cache key under which the final
// step of chain's plan caches its session: exactly what the resolver in
// pkg/creds looks up (keystore FindSession(profile, cacheKey, ...)) before
// making any call. The error is Plan's, or ErrNoSession wrapped with the
// target's subject when the final step is not cached.
func TargetKey(chain []*config.Profile, opts Options, getenv func(string) string) (profile, cacheKey string, err error) {
	top, err := Plan(chain, opts, getenv)
	if err != nil {
		return "", "", err
	}
	if top.CacheKey == "" {
		return "", "", top.Errorf("%w", ErrNoSession)
	}
	return top.Profile.Name, top.CacheKey, nil
}

// STSEndpoint returns the endpoint override for STS as the AWS SDKs resolve
// it: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the endpoint_url of
// the profile's services section for "sts", else the profile's endpoint_url;
// "" when none is set (the SDK then uses the regional STS endpoint). It is
// part of every cache key.
func STSEndpoint(p *config.Profile, getenv func(string) string) string {
	getenv = orEmpty(getenv)
	if u := getenv("AWS_ENDPOINT_URL_STS"); u != "" {
		return u
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		return u
	}
	if p == nil {
		return ""
	}
	for id, keys := range p.Services {
		if strings.EqualFold(id, "sts") && keys["endpoint_url"] != "" {
			return keys["endpoint_url"]
		}
	}
	return p.EndpointURL
}

func orEmpty(getenv func(string) string) func(string) string {
	if getenv == nil {
		return func(string) string { return "" }
	}
	return getenv
}
