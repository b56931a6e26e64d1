package config

import "testing"

func TestServiceEndpoint(t *testing.T) {
	const cfg = `[profile all]
endpoint_url = http://profile
services = svc

[profile global]
endpoint_url = http://profile

[profile none]

[profile ignore]
endpoint_url = http://profile
services = svc
ignore_configured_endpoint_urls = true

[services svc]
sts =
  endpoint_url = http://services-sts
sso_oidc =
  endpoint_url = http://services-oidc
`
	c := mustLoad(t, cfg, "")
	full := map[string]string{
		"AWS_ENDPOINT_URL_STS": "http://env-sts",
		"AWS_ENDPOINT_URL":     "http://env-global",
	}
	tests := []struct {
		name    string
		profile string
		env     map[string]string
		envID   string
		key     string
		want    string
	}{
		{"service env first", "all", full, "STS", "sts", "http://env-sts"},
		{"then global env", "all", map[string]string{"AWS_ENDPOINT_URL": "http://env-global"}, "STS", "sts", "http://env-global"},
		{"service env of another service does not apply", "all", map[string]string{"AWS_ENDPOINT_URL_IAM": "http://env-iam"}, "STS", "sts", "http://services-sts"},
		{"then services section", "all", nil, "STS", "sts", "http://services-sts"},
		{"services section with two-word id", "all", nil, "SSO_OIDC", "sso_oidc", "http://services-oidc"},
		{"spaces and case in ids", "all", map[string]string{"AWS_ENDPOINT_URL_SSO_OIDC": "http://env-oidc"}, "sso oidc", "SSO OIDC", "http://env-oidc"},
		{"then profile endpoint_url", "all", nil, "IAM", "iam", "http://profile"},
		{"profile endpoint_url without services", "global", nil, "STS", "sts", "http://profile"},
		{"nothing configured", "none", nil, "STS", "sts", ""},
		{"empty env is unset", "global", map[string]string{"AWS_ENDPOINT_URL_STS": "", "AWS_ENDPOINT_URL": ""}, "STS", "sts", "http://profile"},
		{"ignore in profile", "ignore", full, "STS", "sts", ""},
		{"ignore env true", "all", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "True", "AWS_ENDPOINT_URL": "http://env-global"}, "STS", "sts", ""},
		{"ignore env false overrides the profile", "ignore", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"}, "STS", "sts", "http://services-sts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustProfile(t, c, tt.profile)
			got := p.ServiceEndpoint(tt.envID, tt.key, func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	// A profile found in neither file, and a nil getenv.
	if got := (&Profile{Name: "x"}).ServiceEndpoint("STS", "sts", nil); got != "" {
		t.Fatalf("got %q", got)
	}
}
