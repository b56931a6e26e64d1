package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/keystore/filefast"
	"github.com/credo-cli/credo/pkg/prompt"
	"github.com/credo-cli/credo/pkg/rotate"
)

func TestNewCmdRotate(t *testing.T) {
	for _, tc := range []struct {
		name, args, profile, token, wantErr string
		env                                 map[string]string
	}{
		{name: "profile", args: "dev", profile: "dev"},
		{name: "AWS_PROFILE", args: "", env: map[string]string{"AWS_PROFILE": "envprof"}, profile: "envprof"},
		{name: "default", args: "", profile: "default"},
		{name: "mfa token", args: "-t 123456 dev", profile: "dev", token: "123456"},
		{name: "long mfa token", args: "dev --mfa-token=654321", profile: "dev", token: "654321"},
		{name: "two profiles", args: "a b", wantErr: "accepts at most 1 arg(s), received 2"},
		{name: "no --force: it never asks", args: "--force dev", wantErr: "unknown flag: --force"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := testFactory(tc.env)
			var got *RotateOptions
			cmd := NewCmdRotate(f, func(o *RotateOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
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
			if got.Profile != tc.profile || got.MFAToken != tc.token || got.Store == nil || got.Config == nil || got.Lock == nil {
				t.Fatalf("options %+v", got)
			}
		})
	}
}

// cliFake is one IAM user with keys, enough for a rotation through the
// command; pkg/rotate's tests cover the rotation itself.
type cliFake struct {
	keys    map[string]string
	n       int
	mfaCode string
}

func (c *cliFake) ListAccessKeys(context.Context, *iam.ListAccessKeysInput, ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	out := &iam.ListAccessKeysOutput{}
	for id := range c.keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamtypes.AccessKeyMetadata{AccessKeyId: aws.String(id), CreateDate: aws.Time(time.Now())})
	}
	return out, nil
}

func (c *cliFake) CreateAccessKey(context.Context, *iam.CreateAccessKeyInput, ...func(*iam.Options)) (*iam.CreateAccessKeyOutput, error) {
	c.n++
	id := "AKIANEWKEYEXAMPLE0" + string(rune('0'+c.n)) + "0"
	c.keys[id] = "new-secret"
	return &iam.CreateAccessKeyOutput{AccessKey: &iamtypes.AccessKey{AccessKeyId: aws.String(id), SecretAccessKey: aws.String("new-secret")}}, nil
}

func (c *cliFake) DeleteAccessKey(_ context.Context, in *iam.DeleteAccessKeyInput, _ ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	delete(c.keys, aws.ToString(in.AccessKeyId))
	return &iam.DeleteAccessKeyOutput{}, nil
}

func (c *cliFake) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Arn: aws.String("arn:aws:iam::123456789012:user/alice")}, nil
}

func (c *cliFake) GetSessionToken(_ context.Context, in *sts.GetSessionTokenInput, _ ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	c.mfaCode = aws.ToString(in.TokenCode)
	return nil, errors.New("fake STS: no sessions")
}

func rotateTestOptions(t *testing.T, profiles map[string]*config.Profile, fake *cliFake) (*RotateOptions, keystore.Store) {
	t.Helper()
	st, err := keystore.Open(keystore.Config{Backend: keystore.BackendFile, FileDir: filepath.Join(t.TempDir(), "keyring"),
		FilePassphrase: keystore.FixedPassphrase("p"), FileKDF: filefast.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := iostreams.Test()
	cfgPath := filepath.Join(t.TempDir(), "config")
	var ini strings.Builder
	for name, p := range profiles {
		ini.WriteString("[profile " + name + "]\n")
		for k, v := range p.Raw {
			ini.WriteString(k + " = " + v + "\n")
		}
	}
	if err := os.WriteFile(cfgPath, []byte(ini.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := &RotateOptions{
		IO:      ios,
		Store:   func() (keystore.Store, error) { return st, nil },
		Config:  func() (*config.Config, error) { return config.Load(config.Files{ConfigPath: cfgPath}) },
		Getenv:  func(string) string { return "" },
		Now:     time.Now,
		Clients: func(*config.Profile) (rotate.IAMAPI, rotate.STSAPI) { return fake, fake },
	}
	return opts, st
}

func TestRotateRun(t *testing.T) {
	fake := &cliFake{keys: map[string]string{"AKIAOLDKEYEXAMPLE000": "old-secret"}}
	opts, st := rotateTestOptions(t, map[string]*config.Profile{
		"alice": {Raw: map[string]string{"region": "eu-west-1"}},
		"role":  {Raw: map[string]string{"role_arn": "arn:aws:iam::123456789012:role/r", "source_profile": "alice"}},
		"mfa":   {Raw: map[string]string{"mfa_serial": "arn:aws:iam::123456789012:mfa/alice"}},
	}, fake)
	if err := st.SetKey("alice", keystore.LongTermKey{AccessKeyID: "AKIAOLDKEYEXAMPLE000", SecretAccessKey: "old-secret"}); err != nil {
		t.Fatal(err)
	}
	opts.Profile = "alice"
	if err := rotateRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	k, err := st.GetKey("alice")
	if err != nil || k.AccessKeyID != "AKIANEWKEYEXAMPLE010" || k.SecretAccessKey != "new-secret" {
		t.Fatalf("stored key = %+v, %v", k, err)
	}
	if _, ok := fake.keys["AKIAOLDKEYEXAMPLE000"]; ok || len(fake.keys) != 1 {
		t.Fatalf("IAM keys = %v", fake.keys)
	}
	errOut := opts.IO.ErrOut.(interface{ String() string }).String()
	if !strings.Contains(errOut, `Rotated the access key of profile "alice": AKIANEWKEYEXAMPLE010 is stored in the file keyring, AKIAOLDKEYEXAMPLE000 is deleted.`) ||
		strings.Contains(errOut, "new-secret") {
		t.Errorf("stderr = %q", errOut)
	}

	t.Run("role profile", func(t *testing.T) {
		opts.Profile = "role"
		err := rotateRun(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), "assumes a role") || hint.Of(err) != `rotate its source profile: "credo rotate alice"` {
			t.Fatalf("err = %v, hint %q", err, hint.Of(err))
		}
	})
	t.Run("unknown profile", func(t *testing.T) {
		opts.Profile = "ghost"
		err := rotateRun(context.Background(), opts)
		if !errors.Is(err, ErrUnknownProfile) || !strings.Contains(hint.Of(err), `credo add ghost`) {
			t.Fatalf("err = %v, hint %q", err, hint.Of(err))
		}
	})
	t.Run("mfa: a bad --mfa-token is refused before any MFA call", func(t *testing.T) {
		if err := st.SetKey("mfa", keystore.LongTermKey{AccessKeyID: "AKIANEWKEYEXAMPLE010", SecretAccessKey: "new-secret"}); err != nil {
			t.Fatal(err)
		}
		opts.Profile, opts.MFAToken = "mfa", "12345"
		err := rotateRun(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), "--mfa-token") || fake.mfaCode != "" {
			t.Fatalf("err = %v, code sent %q", err, fake.mfaCode)
		}
		opts.MFAToken = "123456"
		if err := rotateRun(context.Background(), opts); err == nil || fake.mfaCode != "123456" {
			t.Fatalf("err = %v, code sent %q", err, fake.mfaCode)
		}
	})
}

type promptFunc func(ctx context.Context, serial, message string) (string, error)

func (p promptFunc) MFACode(ctx context.Context, serial, message string) (string, error) {
	return p(ctx, serial, message)
}

func TestRotateMFACodeSources(t *testing.T) {
	asked := 0
	opts := &RotateOptions{Prompter: func(account string) (prompt.Prompter, error) {
		if account != "yk" {
			t.Errorf("ykman account = %q", account)
		}
		return promptFunc(func(_ context.Context, serial, msg string) (string, error) {
			asked++
			if !strings.Contains(msg, serial) {
				t.Errorf("message %q lacks the serial", msg)
			}
			return " 111111\n", nil
		}), nil
	}}
	p := &config.Profile{Name: "dev", Raw: map[string]string{"ykman_account": "yk"}}
	code, err := mfaCodeFunc(opts, p)(context.Background(), "arn:aws:iam::1:mfa/dev")
	if err != nil || code != "111111" || asked != 1 {
		t.Fatalf("prompt: %q, %v, asked %d", code, err, asked)
	}
	p.MFAProcess = "echo 222222"
	if code, err := mfaCodeFunc(opts, p)(context.Background(), "s"); err != nil || code != "222222" || asked != 1 {
		t.Fatalf("mfa_process: %q, %v", code, err)
	}
	opts.MFAToken = "333333"
	if code, err := mfaCodeFunc(opts, p)(context.Background(), "s"); err != nil || code != "333333" || asked != 1 {
		t.Fatalf("--mfa-token: %q, %v", code, err)
	}
	opts.MFAToken = "abc"
	if _, err := mfaCodeFunc(opts, p)(context.Background(), "s"); err == nil {
		t.Fatal("a bad --mfa-token was accepted")
	}
}
