package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/credo-cli/credo/pkg/testing/ssofake"
)

// cmdFakeSSO starts a fake IAM Identity Center (SSO OIDC and portal) for
// the rest of the script and points credo at it with AWS_ENDPOINT_URL_SSO
// and AWS_ENDPOINT_URL_SSO_OIDC; FAKESSO_URL holds its URL. A device code
// is approved when its verification URL is fetched (by $BROWSER), or at
// once with -auto-approve.
//
// usage: fakesso [-auto-approve]
func cmdFakeSSO(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: fakesso [-auto-approve]")
	}
	srv, err := ssofake.New()
	ts.Check(err)
	ts.Defer(srv.Close)
	for _, a := range args {
		switch a {
		case "-auto-approve":
			srv.SetAutoApprove(true)
		default:
			ts.Fatalf("fakesso: unknown argument %q", a)
		}
	}
	ts.Setenv("AWS_ENDPOINT_URL_SSO", srv.URL())
	ts.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", srv.URL())
	ts.Setenv("FAKESSO_URL", srv.URL())
}

// cmdSSO drives the fake started by fakesso over its control endpoints:
//
//	sso calls OP N        check that OP (RegisterClient, StartDeviceAuthorization,
//	                      CreateToken, GetRoleCredentials, Approve) was answered N times
//	sso revoke            refuse every access token issued so far
//	sso expire            expire every access token issued so far
//	sso auto-approve      approve device codes without a browser
//	sso fail N OP CODE    answer the next N calls of OP with the error CODE
func cmdSSO(ts *testscript.TestScript, neg bool, args []string) {
	base := ts.Getenv("FAKESSO_URL")
	if base == "" {
		ts.Fatalf("no fakesso running")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: sso calls|revoke|expire|auto-approve|fail ...")
	}
	// The fake is on 127.0.0.1: no proxy, whatever the environment says.
	client := &http.Client{Transport: &http.Transport{}}
	do := func(method, path string) string {
		req, err := http.NewRequest(method, base+path, nil)
		ts.Check(err)
		resp, err := client.Do(req)
		ts.Check(err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		ts.Check(err)
		if resp.StatusCode != http.StatusOK {
			ts.Fatalf("fakesso %s %s: %s", method, path, resp.Status)
		}
		return strings.TrimSpace(string(body))
	}
	switch args[0] {
	case "calls":
		if len(args) != 3 {
			ts.Fatalf("usage: sso calls OP N")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		got, err := strconv.Atoi(do(http.MethodGet, "/_fake/calls?op="+args[1]))
		ts.Check(err)
		if (got == want) == neg {
			ts.Fatalf("fake SSO answered %d %s calls, want %d", got, args[1], want)
		}
	case "revoke", "expire", "auto-approve":
		do(http.MethodPost, "/_fake/"+args[0])
	case "fail":
		if len(args) != 4 {
			ts.Fatalf("usage: sso fail N OP CODE")
		}
		do(http.MethodPost, "/_fake/fail?n="+args[1]+"&op="+args[2]+"&code="+args[3])
	default:
		ts.Fatalf("sso: unknown subcommand %q", args[0])
	}
}
