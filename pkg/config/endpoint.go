package config

import "strings"

// ServiceEndpoint returns the endpoint URL configured for one service, or ""
// for the SDK's default, with the precedence of the AWS SDKs
// ("Service-specific endpoints" in the AWS SDKs and Tools Reference Guide):
//
//  1. AWS_ENDPOINT_URL_<SERVICE> (serviceEnvID, e.g. "STS", "SSO_OIDC")
//  2. AWS_ENDPOINT_URL
//  3. endpoint_url of the service (servicesKey, e.g. "sts", "sso_oidc") in
//     the [services NAME] section the profile's services key names
//  4. the profile's endpoint_url
//
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, when set, or else the profile's
// ignore_configured_endpoint_urls, set to "true" (any case) turns all four
// off. An empty environment variable counts as unset. (The method is not
// called EndpointURL because that is the profile's field.)
func (p *Profile) ServiceEndpoint(serviceEnvID, servicesKey string, getenv func(string) string) string {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if v := getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"); v != "" {
		if strings.EqualFold(trimSpace(v), "true") {
			return ""
		}
	} else if p.IgnoreConfiguredEndpointURLs {
		return ""
	}
	envID := strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(serviceEnvID))
	if v := getenv("AWS_ENDPOINT_URL_" + envID); v != "" {
		return v
	}
	if v := getenv("AWS_ENDPOINT_URL"); v != "" {
		return v
	}
	key := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(servicesKey))
	if v := p.Services[key]["endpoint_url"]; v != "" {
		return v
	}
	return p.EndpointURL
}
