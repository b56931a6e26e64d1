package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/awscall"
	"github.com/credo-cli/credo/pkg/build"
	"github.com/credo-cli/credo/pkg/cmdline"
	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/creds"
	"github.com/credo-cli/credo/pkg/creds/plan"
	"github.com/credo-cli/credo/pkg/doctor"
	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/keystore"
	"github.com/credo-cli/credo/pkg/lock"
	"github.com/credo-cli/credo/pkg/rotate"
)

// annotationOwnSettings marks a command that loads the settings itself
// (doctor reports a broken settings file instead of stopping on it) or
// needs none (status reads the environment only).
const annotationOwnSettings = "credo:own-settings"

// DoctorOptions are the inputs of `credo doctor`.
type DoctorOptions struct {
	JSON   bool
	Online bool
}

// NewCmdDoctor builds `credo doctor`.
func NewCmdDoctor(f *Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the whole set-up and say what to do",
		Long: `Check credo's set-up and print each finding with what to do about it:

  backend    the keyring backend, why it was chosen, whether it is reachable
             and unlocked (D-Bus, gpg-agent, kernel keyring possession)
  config     every problem in the AWS config files, each with file:line
  settings   credo's settings file and variables
  folders    the permissions of credo's folders and files
  binaries   credo and credo-core installed together, the same version
  clock      this machine's clock against STS's (an unsigned request)
  endpoints  where STS and IAM calls go for the profile
  keys       stored keys older than 90 days
  mfa        profiles using long-term keys with no mfa_serial in the chain
  root       (--online) stored keys of an account's root user

Without --online no call is made with a stored key. The exit status is 1
when a finding would make a credo command fail, else 0.`,
		Example: `  $ credo doctor
  $ credo doctor --online --json | jq '.findings[] | select(.status != "ok")'`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{annotationOwnSettings: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return f.doctorRun(cmd, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the findings as JSON for scripts")
	cmd.Flags().BoolVar(&opts.Online, "online", false, "Also call STS with each stored key (GetCallerIdentity): is it valid, is it a root user's")
	return cmd
}

func (f *Factory) doctorRun(cmd *cobra.Command, opts *DoctorOptions) error {
	ctx := cmd.Context()
	getenv := f.env.Getenv
	var r doctor.Report

	// Settings first: the others use them (the valid ones when some are
	// broken).
	if err := f.loadSettings(cmd.Root().PersistentFlags(), cmd.Flags()); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			r.Add(doctor.Finding{Check: "settings", Status: doctor.Fail, Message: line, Fix: cmp.Or(hint.Of(err), "correct the setting; credo doctor goes on with the valid settings")})
		}
	} else if f.settings.File != "" {
		r.Add(doctor.Finding{Check: "settings", Status: doctor.OK, Message: "settings file " + f.settings.File + ": no problem"})
	} else {
		r.Add(doctor.Finding{Check: "settings", Status: doctor.OK, Message: "no settings file; defaults and CREDO_* variables apply"})
	}

	// Before the backend: opening the file keyring tightens its folder.
	r.Add(doctor.Folders(f.doctorFolders())...)
	keys := f.doctorBackend(cmd, &r)

	cfgFindings, cfg := doctor.ConfigFiles(f.ConfigFiles(), func(chain []*config.Profile) error {
		_, err := plan.Plan(chain, plan.Options{}, getenv)
		return err
	})
	r.Add(cfgFindings...)

	r.Add(f.doctorBinaries())

	profileName := cmdline.Profile("", getenv)
	var p *config.Profile
	if cfg != nil {
		p, _ = cfg.Profile(profileName)
	}
	r.Add(doctor.Clock(ctx, awscall.HTTPClient(), creds.STSURL(p, getenv), f.env.Now))
	r.Add(doctor.Endpoints(profileName, doctorEndpoints(p, getenv))...)

	r.Add(doctor.KeyAges(keys, f.env.Now())...)
	stored := map[string]bool{}
	for _, k := range keys {
		stored[k.Profile] = true
	}
	r.Add(doctor.MFA(cfg, stored)...)

	if opts.Online {
		store, _ := f.Store()
		r.Add(doctor.RootKeys(keys, func(k doctor.StoredKey) doctor.Identity {
			var kp *config.Profile
			if cfg != nil {
				kp, _ = cfg.Profile(k.Profile)
			}
			full, err := store.GetKey(k.Profile)
			if err != nil {
				return doctor.Identity{Err: err}
			}
			arn, err := callerARN(ctx, kp, getenv, full.AccessKeyID, full.SecretAccessKey)
			return doctor.Identity{ARN: arn, Err: err}
		})...)
	}

	var err error
	if opts.JSON {
		err = r.WriteJSON(f.env.IO.Out)
	} else {
		err = r.WriteText(f.env.IO.Out)
	}
	if err != nil {
		return err
	}
	if r.Failed() {
		return &exitStatus{code: exitError}
	}
	return nil
}

// callerARN asks STS who the key is (GetCallerIdentity, signed with it).
func callerARN(ctx context.Context, p *config.Profile, getenv func(string) string, id, secret string) (string, error) {
	newSTS := rotate.NewSTSFunc(rotate.ClientOptions{Profile: p, Getenv: getenv})
	out, err := newSTS(aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, Source: "credo"}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		// STS's own words, not the SDK's request trace.
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return "", fmt.Errorf("GetCallerIdentity: %s: %s", ae.ErrorCode(), firstLine(ae.ErrorMessage()))
		}
		return "", fmt.Errorf("GetCallerIdentity: %w", err)
	}
	return aws.ToString(out.Arn), nil
}

// doctorBackend reports the backend, why it was chosen, and whether its
// stored keys can be read; it returns them (without secrets).
func (f *Factory) doctorBackend(cmd *cobra.Command, r *doctor.Report) []doctor.StoredKey {
	getenv := f.env.Getenv
	why := "the best one available here (" + strings.Join(keystore.AutoOrder(runtime.GOOS), ", then ") + ")"
	if src := f.settings.Source("backend"); src != "" {
		why = src
	}
	add := func(st doctor.Status, msg, fix string) {
		r.Add(doctor.Finding{Check: "backend", Status: st, Message: msg, Fix: fix})
	}
	switch f.settings.Backend {
	case keystore.BackendSecretService, keystore.BackendKWallet, "":
		if runtime.GOOS == "linux" {
			if msg, ok := dbusReachable(getenv("DBUS_SESSION_BUS_ADDRESS")); !ok && f.settings.Backend != "" {
				add(doctor.Fail, msg, "run credo in a desktop session, or under dbus-run-session; or choose --backend file")
			} else if f.settings.Backend != "" {
				add(doctor.OK, msg, "")
			}
		}
	case keystore.BackendKeyctl:
		r.Add(doctor.KeyctlPossession())
	case keystore.BackendPass:
		dir := keystore.PassStoreDir(keystore.Config{PassDir: f.settings.PassDir, Getenv: getenv})
		if _, err := os.Stat(filepath.Join(dir, ".gpg-id")); err != nil {
			add(doctor.Fail, "the password store "+dir+" is not set up (no .gpg-id): pass cannot store keys there",
				"run pass init GPG-KEY-ID (or set CREDO_PASS_DIR to your store)")
		}
		if msg, ok := gpgAgentRunning(); ok {
			add(doctor.OK, msg, "")
		} else {
			add(doctor.Warn, msg+": gpg starts it on first use, and its pinentry may then ask for the key's passphrase where no one can answer",
				"start it before using credo: gpgconf --launch gpg-agent")
		}
	}
	store, err := f.Store()
	if err != nil {
		add(doctor.Fail, fmt.Sprintf("keyring backend (%s): %v", why, firstLine(err.Error())), cmp.Or(hint.Of(err), "choose another backend with --backend or CREDO_BACKEND"))
		return nil
	}
	add(doctor.OK, fmt.Sprintf("keyring backend %s, chosen by %s", store.Backend(), why), "")
	profiles, err := store.KeyProfiles()
	if err != nil {
		add(doctor.Fail, "listing the stored keys: "+firstLine(err.Error()), cmp.Or(hint.Of(err), "check that the keyring is reachable and unlocked"))
		return nil
	}
	var keys []doctor.StoredKey
	for _, p := range profiles {
		k, err := store.GetKey(p)
		if err != nil {
			add(doctor.Fail, fmt.Sprintf("profile %q: the stored key cannot be read: %s", p, firstLine(err.Error())),
				cmp.Or(hint.Of(err), "unlock the keyring (or set its passphrase), or store the key again: credo add "+p))
			continue
		}
		keys = append(keys, doctor.StoredKey{Profile: p, AccessKeyID: k.AccessKeyID, Added: k.Added})
	}
	if len(profiles) > 0 && len(keys) == len(profiles) {
		add(doctor.OK, fmt.Sprintf("unlocked: the %d stored key(s) can be read", len(keys)), "")
	} else if len(profiles) == 0 {
		add(doctor.Info, "no long-term keys stored", "store one with credo add PROFILE")
	}
	return keys
}

// gpgAgentRunning reports whether gpg-agent answers on its socket.
func gpgAgentRunning() (string, bool) {
	out, err := exec.Command("gpgconf", "--list-dirs", "agent-socket").Output()
	if err != nil {
		return "gpgconf is missing or failed (" + err.Error() + "): cannot tell whether gpg-agent runs", false
	}
	sock := strings.TrimSpace(string(out))
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		return "gpg-agent is not running (nothing answers on " + sock + ")", false
	}
	c.Close()
	return "gpg-agent is running (" + sock + ")", true
}

// dbusReachable reports whether the session bus address names a socket that
// accepts a connection.
func dbusReachable(addr string) (string, bool) {
	if addr == "" {
		return "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set", false
	}
	for _, part := range strings.Split(addr, ";") {
		kind, rest, _ := strings.Cut(part, ":")
		if kind != "unix" {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			path := ""
			switch k {
			case "path":
				path = v
			case "abstract":
				path = "@" + v
			default:
				continue
			}
			c, err := net.DialTimeout("unix", path, 2*time.Second)
			if err != nil {
				return fmt.Sprintf("the D-Bus session bus at %s does not answer: %v", path, err), false
			}
			c.Close()
			return "the D-Bus session bus at " + path + " answers", true
		}
	}
	return "the D-Bus session bus address " + addr + " names no unix socket credo can check", true
}

// doctorFolders lists credo's folders and files for the folders check.
func (f *Factory) doctorFolders() []doctor.Folder {
	getenv := f.env.Getenv
	var out []doctor.Folder
	if f.settings.Backend == keystore.BackendFile || f.settings.Backend == "" {
		dir := keystore.FileDir(f.settings.FileDir, getenv)
		if strings.HasPrefix(dir, "~/") {
			dir = filepath.Join(f.home(), dir[2:])
		}
		out = append(out, doctor.Folder{What: "file keyring folder", Path: dir, Dir: true, Mode: 0o700, Fail: true})
	}
	if dir, err := lock.DefaultDir(getenv); err == nil {
		out = append(out, doctor.Folder{What: "lock folder", Path: dir, Dir: true, Mode: 0o700, Fail: true})
	}
	if c := f.auditConfig(); c.Path != "" {
		out = append(out,
			doctor.Folder{What: "audit log folder", Path: filepath.Dir(c.Path), Dir: true, Mode: 0o700},
			doctor.Folder{What: "audit log", Path: c.Path, Mode: 0o600})
	}
	files := f.ConfigFiles()
	out = append(out, doctor.Folder{What: "AWS credentials file", Path: files.CredentialsPath, Mode: 0o600})
	return out
}

// doctorBinaries checks that credo (the front) is installed beside this
// credo-core and reports the same version.
func (f *Factory) doctorBinaries() doctor.Finding {
	self, err := os.Executable()
	if err != nil {
		return doctor.Finding{Check: "binaries", Status: doctor.Warn, Message: "cannot tell where credo-core is installed: " + err.Error()}
	}
	name := "credo"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	dirs := []string{filepath.Dir(self)}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		dirs = append(dirs, filepath.Dir(real))
	}
	other := ""
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			other = p
			break
		}
	}
	return doctor.Binaries(self, versionLine(build.Read()), other, "credo", func(path string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := exec.CommandContext(ctx, path, "--version")
		c.Env = append(os.Environ(), "CREDO_NO_FASTPATH=")
		out, err := c.Output()
		if err != nil {
			return "", err
		}
		return firstLine(strings.TrimSpace(string(out))), nil
	})
}

// doctorEndpoints says where STS and IAM (and, for SSO profiles, the SSO
// services) calls go for profile p, and what chose each.
func doctorEndpoints(p *config.Profile, getenv func(string) string) []doctor.Endpoint {
	if p == nil {
		p = &config.Profile{}
	}
	from := func(envID, url string) string {
		switch {
		case url == "":
			return "default"
		case getenv("AWS_ENDPOINT_URL_"+envID) == url:
			return "AWS_ENDPOINT_URL_" + envID
		case getenv("AWS_ENDPOINT_URL") == url:
			return "AWS_ENDPOINT_URL"
		}
		return "the profile's endpoint_url or services section"
	}
	sts := creds.STSEndpoint(p, getenv)
	iam := rotate.IAMEndpoint(p, getenv)
	eps := []doctor.Endpoint{
		{Service: "STS", URL: creds.STSURL(p, getenv), From: from("STS", sts)},
		{Service: "IAM", URL: cmp.Or(iam, "https://iam.amazonaws.com"), From: from("IAM", iam)},
	}
	if p.IsSSO() || p.SSOSession != "" || p.SSOStartURL != "" {
		sso := p.ServiceEndpoint("SSO", "sso", getenv)
		oidc := p.ServiceEndpoint("SSO_OIDC", "sso_oidc", getenv)
		eps = append(eps,
			doctor.Endpoint{Service: "SSO", URL: cmp.Or(sso, "https://portal.sso."+p.SSORegion+".amazonaws.com"), From: from("SSO", sso)},
			doctor.Endpoint{Service: "SSO OIDC", URL: cmp.Or(oidc, "https://oidc."+p.SSORegion+".amazonaws.com"), From: from("SSO_OIDC", oidc)})
	}
	return eps
}
