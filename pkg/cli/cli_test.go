package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/credo-cli/credo/pkg/iostreams"
)

func testFactory(env map[string]string) (*Factory, *Env) {
	ios, _, _, _ := iostreams.Test()
	e := &Env{IO: ios, Getenv: func(k string) string { return env[k] }, Environ: func() []string { return nil }, Now: time.Now}
	return NewFactory(e), e
}

func TestNewCmdExec(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    string
		env     map[string]string
		profile string
		command []string
		check   func(*ExecOptions) bool
		wantErr string
	}{
		{name: "profile and command", args: "prod -- terraform plan -out x", profile: "prod", command: []string{"terraform", "plan", "-out", "x"}},
		{name: "profile only runs the shell", args: "prod", profile: "prod"},
		{name: "no profile: AWS_PROFILE", args: "-- ls -l", env: map[string]string{"AWS_PROFILE": "envprof"}, profile: "envprof", command: []string{"ls", "-l"}},
		{name: "no profile: default", args: "-- ls", profile: "default", command: []string{"ls"}},
		{name: "command without --", args: "prod env", profile: "prod", command: []string{"env"}},
		{name: "flags", args: "prod -d 2h -n -t 123456 --region eu-west-1 --force-nested -- true", profile: "prod", command: []string{"true"},
			check: func(o *ExecOptions) bool {
				r := o.Request
				return r.Duration == 2*time.Hour && r.NoSession && r.MFAToken == "123456" && r.Region == "eu-west-1" && o.ForceNested
			}},
		{name: "command flags are the command's", args: "prod ls -la", profile: "prod", command: []string{"ls", "-la"}},
		{name: "credo flags before the command", args: "prod -d 1h aws s3 ls --recursive", profile: "prod", command: []string{"aws", "s3", "ls", "--recursive"},
			check: func(o *ExecOptions) bool { return o.Request.Duration == time.Hour }},
		{name: "flag=value and flags before the profile", args: "--region=eu-west-1 -n prod env -0", profile: "prod", command: []string{"env", "-0"},
			check: func(o *ExecOptions) bool { return o.Request.Region == "eu-west-1" && o.Request.NoSession }},
		{name: "a flag value that looks like a profile", args: "-t 123456 prod -- true", profile: "prod", command: []string{"true"},
			check: func(o *ExecOptions) bool { return o.Request.MFAToken == "123456" }},
		{name: "grouped shorthands", args: "-nt 123456 prod -- env", profile: "prod", command: []string{"env"},
			check: func(o *ExecOptions) bool { return o.Request.NoSession && o.Request.MFAToken == "123456" }},
		{name: "shorthand with its value attached", args: "-t123456 prod env", profile: "prod", command: []string{"env"},
			check: func(o *ExecOptions) bool { return o.Request.MFAToken == "123456" }},
		{name: "-- inside the command stays", args: "prod -- sh -c 'x' -- y", profile: "prod", command: []string{"sh", "-c", "'x'", "--", "y"}},
		{name: "unknown credo flag", args: "--bogus prod -- true", wantErr: "unknown flag: --bogus"},
		{name: "server", args: "-s prod", profile: "prod", check: func(o *ExecOptions) bool { return o.Server && !o.EC2Server }},
		{name: "the command starts after the profile", args: "a b -- c", profile: "a", command: []string{"b", "--", "c"}},
		{name: "both servers", args: "--server --ec2-server prod", wantErr: "--server and --ec2-server cannot be used together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := testFactory(tc.env)
			var got *ExecOptions
			cmd := NewCmdExec(f, func(o *ExecOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			err := cmd.Execute()
			if tc.wantErr != "" {
				var fe *FlagError
				if err == nil || !errors.As(err, &fe) || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want usage error %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Request.Profile != tc.profile || strings.Join(got.Command, " ") != strings.Join(tc.command, " ") {
				t.Fatalf("profile %q command %q, want %q %q", got.Request.Profile, got.Command, tc.profile, tc.command)
			}
			if tc.check != nil && !tc.check(got) {
				t.Fatalf("options %+v", got)
			}
		})
	}
}

func TestNewCmdExport(t *testing.T) {
	for _, tc := range []struct {
		args, profile, format, wantErr string
	}{
		{args: "prod", profile: "prod", format: "env"},
		{args: "-f json prod", profile: "prod", format: "json"},
		{args: "prod --format=fish", profile: "prod", format: "fish"},
		{args: "--format yaml prod", wantErr: `unknown format "yaml"`},
		{args: "a b", wantErr: "accepts at most 1 arg"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			f, _ := testFactory(nil)
			var got *ExportOptions
			cmd := NewCmdExport(f, func(o *ExportOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
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
			if got.Request.Profile != tc.profile || got.Format != tc.format {
				t.Fatalf("got %q %q", got.Request.Profile, got.Format)
			}
		})
	}
}

func TestCheckKeys(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for _, tc := range []struct {
		id, secret, want string
	}{
		{"AKIAIOSFODNN7EXAMPLE", secret, ""},
		{"ASIAIOSFODNN7EXAMPLE", secret, "is a temporary (ASIA) key"},
		{"AKIAIOSFODNN7EXAMPL", secret, "is not an IAM user key id"},
		{"akiaiosfodnn7example", secret, "is not an IAM user key id"},
		{"AKIAIOSFODNN7EXAMPLE", secret[:39], "secret access key is not 40 characters"},
		{"AKIAIOSFODNN7EXAMPLE", secret[:39] + "!", "secret access key is not 40 characters"},
		{"", secret, "no access key id"},
		{"AKIAIOSFODNN7EXAMPLE", "", "no secret access key"},
	} {
		err := checkKeys(tc.id, tc.secret)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.id, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q/%d: err = %v, want %q", tc.id, len(tc.secret), err, tc.want)
		case err != nil && strings.Contains(err.Error(), tc.secret) && tc.secret != "":
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

func TestRunExitStatuses(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"no-such-command"}, 2, "credo: unknown command \"no-such-command\"\ncredo: hint: run \"credo --help\" to see the commands\n"},
		// Issue 7: cobra's "Did you mean this?" printed four lines, one an empty "credo: ".
		{[]string{"expor", "dev"}, 2, "credo: unknown command \"expor\"\ncredo: hint: did you mean export?\n"},
		{[]string{"exec", "--sever", "dev"}, 2, "credo: unknown flag: --sever\ncredo: hint: did you mean --server?\n"},
		{[]string{"export", "--regin", "eu-west-1", "dev"}, 2, "credo: unknown flag: --regin\ncredo: hint: did you mean --region?\n"},
		{[]string{"list", "--zzzzzz"}, 2, "credo: unknown flag: --zzzzzz\ncredo: hint: run \"credo list --help\" to see its flags\n"},
		// Issue 7: the same mistake, the same exit status (exec said 1, login 2).
		{[]string{"exec", "-d", "5m", "dev", "--", "true"}, 2, "credo: --duration 5m is below the 15m minimum STS allows\n"},
		{[]string{"export", "-d", "5m", "dev"}, 2, "credo: --duration 5m is below the 15m minimum STS allows\n"},
		{[]string{"login", "-d", "5m", "dev"}, 2, "credo: --duration 5m is below the 15m minimum STS allows\n"},
		{[]string{"list", "--no-such-flag"}, 2, "credo: unknown flag: --no-such-flag"},
		{[]string{"export", "--format", "yaml", "p"}, 2, `credo: unknown format "yaml"`},
		{[]string{"--backend", "floppy", "list"}, 2, `credo: --backend: unknown value "floppy"`},
		// A backend credo cannot read, given as a flag, is a usage error as
		// --backend's is (issue 8); the same in AWS_VAULT_BACKEND exits 1.
		{[]string{"import", "aws-vault", "--from-backend", "floppy"}, 2, "credo: --from-backend: aws-vault's backend \"floppy\": credo cannot read it\ncredo: hint: credo reads aws-vault's "},
		{[]string{"remove", "nobody", "--force"}, 1, `credo: profile "nobody" not found in `},
		// cobra's argument checks are usage errors, told by where they come
		// from, not by their English (issue 9).
		{[]string{"export", "a", "b"}, 2, "credo: accepts at most 1 arg(s), received 2"},
		{[]string{"list", "extra"}, 2, `credo: unknown command "extra" for "credo list"`},
		{[]string{"completion", "tcsh"}, 2, `credo: invalid argument "tcsh" for "credo completion"`},
	} {
		ios, _, _, errOut := iostreams.Test()
		dir := t.TempDir()
		env := map[string]string{"HOME": dir, "CREDO_BACKEND": "file", "CREDO_FILE_DIR": dir + "/keyring", "CREDO_FILE_PASSPHRASE": "x"}
		status := Run(context.Background(), &Env{IO: ios, Getenv: func(k string) string { return env[k] }, Environ: func() []string { return nil }, Now: time.Now}, tc.args)
		// A whole expected stderr (ending in a newline) must match exactly.
		exact := strings.HasSuffix(tc.stderr, "\n") && errOut.String() != tc.stderr
		if status != tc.status || !strings.HasPrefix(errOut.String(), tc.stderr) || exact {
			t.Errorf("%v: status %d, stderr %q; want %d, %q", tc.args, status, errOut.String(), tc.status, tc.stderr)
		}
		if strings.Contains(errOut.String(), "Error:") || strings.Contains(errOut.String(), "Usage:") {
			t.Errorf("%v: cobra's own error or usage text leaked: %q", tc.args, errOut.String())
		}
	}
}
