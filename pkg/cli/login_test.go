package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/login"
	"github.com/credo-cli/credo/pkg/testing/stsfake"
)

func TestNewCmdLogin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    string
		env     map[string]string
		check   func(*LoginOptions) bool
		wantErr string
	}{
		{name: "defaults", args: "prod", check: func(o *LoginOptions) bool {
			return o.Request.Profile == "prod" && !o.Stdout && o.Path == "" && o.Duration == 0 && o.Request.Region == ""
		}},
		{name: "AWS_PROFILE", args: "--stdout", env: map[string]string{"AWS_PROFILE": "envprof"}, check: func(o *LoginOptions) bool {
			return o.Request.Profile == "envprof" && o.Stdout
		}},
		{name: "every flag", args: "prod --stdout --path s3/home --region eu-west-1 -d 2h -t 123456 -n", check: func(o *LoginOptions) bool {
			r := o.Request
			return o.Stdout && o.Path == "s3/home" && o.Duration == 2*time.Hour && r.Region == "eu-west-1" && r.MFAToken == "123456" && r.NoSession
		}},
		{name: "duration below the minimum", args: "prod -d 10m", wantErr: "--duration 10m is below the 15m minimum"},
		{name: "two profiles", args: "a b", wantErr: "accepts at most 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := testFactory(tc.env)
			var got *LoginOptions
			cmd := NewCmdLogin(f, func(o *LoginOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetErr(&strings.Builder{})
			cmd.SetOut(&strings.Builder{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(got) {
				t.Fatalf("options %+v", got)
			}
		})
	}
}

// loginFixture wires loginRun to a fake STS, a fake federation endpoint and
// a recording opener.
type loginFixture struct {
	opts    *LoginOptions
	out     *bytes.Buffer
	errOut  *bytes.Buffer
	fake    *stsfake.Server
	signins []string // SessionDuration of each getSigninToken ("-" for none)
	opened  []string
	asked   []credRequest
}

func newLoginFixture(t *testing.T, target loginTarget, c aws.Credentials, region string) *loginFixture {
	t.Helper()
	fx := &loginFixture{fake: stsfake.NewTest(t)}
	fx.fake.AddUser("AKIAALICE", "alice-secret", "alice")
	fed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := "-"
		if _, ok := r.URL.Query()["SessionDuration"]; ok {
			d = r.URL.Query().Get("SessionDuration")
		}
		fx.signins = append(fx.signins, d)
		fmt.Fprintf(w, `{"SigninToken":"tok%d"}`, len(fx.signins))
	}))
	t.Cleanup(fed.Close)
	ios, _, out, errOut := iostreams.Test()
	fx.out, fx.errOut = out, errOut
	env := map[string]string{"CREDO_FEDERATION_ENDPOINT": fed.URL + "/federation"}
	fx.opts = &LoginOptions{
		IO: ios,
		Retrieve: func(_ context.Context, req credRequest) (retrieved, error) {
			fx.asked = append(fx.asked, req)
			return retrieved{Creds: c, Region: region}, nil
		},
		Target: func(credRequest) (loginTarget, error) { return target, nil },
		NewSTS: func(_ *config.Profile, region string, c aws.Credentials) login.STSAPI {
			return login.NewSTS(c, region, fx.fake.URL(), nil)
		},
		Open:    func(_ context.Context, url string) error { fx.opened = append(fx.opened, url); return nil },
		Getenv:  func(k string) string { return env[k] },
		Request: credRequest{Profile: "dev"},
	}
	return fx
}

func TestLoginRun(t *testing.T) {
	ctx := context.Background()
	user := aws.Credentials{AccessKeyID: "AKIAALICE", SecretAccessKey: "alice-secret"}
	role := aws.Credentials{AccessKeyID: "ASIAROLE", SecretAccessKey: "s", SessionToken: "t", CanExpire: true}

	t.Run("user keys: long-term keys asked for, federation token, URL on stdout", func(t *testing.T) {
		fx := newLoginFixture(t, loginTarget{Profile: &config.Profile{Name: "dev", Duration: 2 * time.Hour}, Kind: login.KindUser}, user, "eu-west-1")
		fx.opts.Stdout = true
		out, errOut := fx.out, fx.errOut
		if err := loginRun(ctx, fx.opts); err != nil {
			t.Fatal(err)
		}
		if len(fx.asked) != 1 || !fx.asked[0].NoSession {
			t.Errorf("retrieve asked %+v, want the long-term keys (NoSession)", fx.asked)
		}
		reqs := fx.fake.Requests()
		if len(reqs) != 2 || reqs[1].Action != stsfake.ActionGetFederationToken || reqs[1].Form.Get("Name") != "alice" ||
			reqs[1].Form.Get("DurationSeconds") != "7200" || reqs[1].Form.Get("Policy") != login.AllowAllPolicy || reqs[1].Region != "eu-west-1" {
			t.Errorf("STS requests %+v", reqs)
		}
		if strings.Join(fx.signins, ",") != "-" {
			t.Errorf("getSigninToken SessionDuration %v, want none", fx.signins)
		}
		lines := strings.Split(out.String(), "\n")
		if len(lines) != 2 || lines[1] != "" || !strings.Contains(lines[0], "Action=login") || !strings.HasSuffix(lines[0], "&SigninToken=tok1") {
			t.Errorf("stdout %q, want one line: the URL", out.String())
		}
		if errOut.String() != "" || len(fx.opened) != 0 {
			t.Errorf("stderr %q, opened %v", errOut.String(), fx.opened)
		}
	})

	t.Run("role: opened in the browser, SessionDuration sent, URL not printed", func(t *testing.T) {
		fx := newLoginFixture(t, loginTarget{Profile: &config.Profile{Name: "admin"}, Kind: login.KindRole}, role, "")
		out, errOut := fx.out, fx.errOut
		fx.opts.Duration = 3 * time.Hour
		if err := loginRun(ctx, fx.opts); err != nil {
			t.Fatal(err)
		}
		if fx.asked[0].NoSession || fx.asked[0].Duration != 0 {
			t.Errorf("retrieve asked %+v", fx.asked[0])
		}
		if fx.fake.Calls("") != 0 {
			t.Errorf("STS called for role credentials")
		}
		if strings.Join(fx.signins, ",") != "10800" {
			t.Errorf("SessionDuration %v, want 10800", fx.signins)
		}
		if len(fx.opened) != 1 || !strings.HasSuffix(fx.opened[0], "&SigninToken=tok1") {
			t.Errorf("opened %v", fx.opened)
		}
		if out.String() != "" || strings.Contains(errOut.String(), "tok1") || !strings.Contains(errOut.String(), `Opened the AWS console for profile "dev"`) {
			t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
		}
	})

	t.Run("opener failure: hint, no URL", func(t *testing.T) {
		fx := newLoginFixture(t, loginTarget{Kind: login.KindRole}, role, "")
		fx.opts.Open = func(context.Context, string) error { return errors.New(`open the browser with "xdg-open": not found`) }
		err := loginRun(ctx, fx.opts)
		if err == nil || strings.Contains(err.Error(), "tok") || !strings.Contains(hint.Of(err), "--stdout") {
			t.Fatalf("err = %v hint %q", err, hint.Of(err))
		}
	})

	t.Run("session-token credentials: refused", func(t *testing.T) {
		fx := newLoginFixture(t, loginTarget{Profile: &config.Profile{Name: "dev"}}, aws.Credentials{AccessKeyID: "ASIAUNKNOWN", SecretAccessKey: "s", SessionToken: "t"}, "")
		fx.fake.AcceptUnknownKeys(true)
		err := loginRun(ctx, fx.opts)
		if !errors.Is(err, login.ErrSessionToken) || hint.Of(err) == "" || len(fx.signins) != 0 {
			t.Fatalf("err = %v, signins %v", err, fx.signins)
		}
	})
}

func TestLoginTargetFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := `[profile dev]
region = eu-west-1

[profile dev-mfa]
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = dev

[profile admin-mfa]
role_arn = arn:aws:iam::123456789012:role/Ops
source_profile = dev
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile chained]
role_arn = arn:aws:iam::123456789012:role/Second
source_profile = admin

[profile web]
role_arn = arn:aws:iam::123456789012:role/Web
web_identity_token_file = /tmp/token

[profile proc]
credential_process = /bin/true

[profile tmp]
`
	creds := "[tmp]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n"
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := testFactory(map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"), "HOME": dir})
	for _, tc := range []struct {
		profile   string
		noSession bool
		kind      login.Kind
		chained   bool
	}{
		{"dev", false, login.KindUser, false},
		{"dev-mfa", false, login.KindUser, false},
		{"admin", false, login.KindRole, false},
		{"admin-mfa", false, login.KindRole, true},
		{"admin-mfa", true, login.KindRole, false},
		{"chained", false, login.KindRole, true},
		{"web", false, login.KindRole, false},
		{"proc", false, login.KindUnknown, false},
		{"tmp", false, login.KindUnknown, false},
	} {
		t.Run(fmt.Sprintf("%s no-session=%v", tc.profile, tc.noSession), func(t *testing.T) {
			got, err := f.loginTarget(credRequest{Profile: tc.profile, NoSession: tc.noSession})
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tc.kind || got.Chained != tc.chained || got.Profile == nil || got.Profile.Name != tc.profile {
				t.Errorf("got %v chained=%v profile %v, want %v chained=%v", got.Kind, got.Chained, got.Profile, tc.kind, tc.chained)
			}
		})
	}
	// A profile absent from the config may still have stored keys.
	if got, err := f.loginTarget(credRequest{Profile: "nope"}); err != nil || got.Kind != login.KindUser {
		t.Errorf("profile not in the config: %v %v, want user keys", got.Kind, err)
	}
}

// The classification follows the plan's steps, whatever made them.
func TestLoginKind(t *testing.T) {
	stored := &plan.Step{Kind: plan.KindSource, Src: plan.SourceStored}
	session := &plan.Step{Kind: plan.KindSession, Source: stored}
	for _, tc := range []struct {
		name    string
		step    *plan.Step
		kind    login.Kind
		chained bool
	}{
		{"stored keys", stored, login.KindUser, false},
		{"session over stored keys", session, login.KindUser, false},
		{"role from keys", &plan.Step{Kind: plan.KindRole, Source: stored}, login.KindRole, false},
		{"role over a session", &plan.Step{Kind: plan.KindRole, Source: session}, login.KindRole, true},
		{"web identity", &plan.Step{Kind: plan.KindWebIdentity}, login.KindRole, false},
		{"IAM Identity Center", &plan.Step{Kind: plan.KindSSO}, login.KindRole, false},
		{"environment", &plan.Step{Kind: plan.KindSource, Src: plan.SourceEnvironment}, login.KindUnknown, false},
	} {
		k, c := loginKind(tc.step)
		if k != tc.kind || c != tc.chained {
			t.Errorf("%s: %v %v, want %v %v", tc.name, k, c, tc.kind, tc.chained)
		}
	}
}

func TestRemovePageCommand(t *testing.T) {
	page, err := login.WritePage(t.TempDir(), "https://signin.aws.amazon.com/federation?SigninToken=x")
	if err != nil {
		t.Fatal(err)
	}
	ios, _, _, stderr := iostreams.Test()
	env := &Env{IO: ios, Getenv: func(string) string { return "" }, Environ: func() []string { return nil }, Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the remover waits login.PageTTL, or until it is stopped
	if status := Run(ctx, env, []string{removePageCmd, page}); status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	if _, err := os.Stat(page); err == nil {
		t.Error("the page is still there")
	}
	if status := Run(ctx, env, []string{removePageCmd, "/etc/passwd"}); status == 0 {
		t.Error("the remover took a file that is not a page")
	}
}

// TestRemoverCarriesNoSecret: the remover outlives credo by a minute, so
// nothing of credo's environment (a passphrase, AWS keys) goes with it, and
// its command line is the page's path alone.
func TestRemoverCarriesNoSecret(t *testing.T) {
	t.Setenv("CREDO_FILE_PASSPHRASE", "remover-secret-1")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "remover-secret-2")
	page := "/run/user/1/credo/login-0123456789abcdef0123456789abcdef.html"
	cmd := removerCommand("/usr/bin/credo", page)
	if want := []string{"/usr/bin/credo", removePageCmd, page}; !slices.Equal(cmd.Args, want) {
		t.Errorf("argv %q, want %q", cmd.Args, want)
	}
	if cmd.Env == nil {
		t.Fatal("the remover inherits credo's whole environment")
	}
	for _, kv := range cmd.Env {
		if strings.Contains(kv, "remover-secret") || !strings.HasPrefix(kv, "SYSTEMROOT=") {
			t.Errorf("the remover's environment holds %q", kv)
		}
	}
}
