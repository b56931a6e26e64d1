package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/credo-cli/credo/pkg/config"
	"github.com/credo-cli/credo/pkg/hint"
)

// ConfigFiles reports every problem of the AWS config and credentials
// files, each with its file and line: what config.Load finds, then what
// each profile's chain meets (a source_profile that does not exist, a
// cycle), then what check (credo's plan of the chain, which cli passes in)
// refuses. A problem met by many chains is reported once.
func ConfigFiles(files config.Files, check func(chain []*config.Profile) error) ([]Finding, *config.Config) {
	cfg, err := config.Load(files)
	if cfg == nil {
		return []Finding{{Check: "config", Status: Fail, Message: err.Error(), Fix: "make the AWS config files readable"}}, nil
	}
	var out []Finding
	seen := map[string]bool{}
	add := func(err error) {
		var list config.Errors
		if !errors.As(err, &list) {
			var one *config.Error
			if errors.As(err, &one) {
				list = config.Errors{one}
			}
		}
		for _, e := range list {
			key := e.Error()
			if pos := e.Pos.String(); pos != "" {
				// A chain reports the problem of a profile it passes
				// through; so do the other chains through it.
				key = fmt.Sprintf("%s %v", pos, e.Kind)
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, Finding{Check: "config", Status: Fail, Message: e.Error(), Fix: cmp.Or(e.Hint, "correct that line")})
			}
		}
		if len(list) == 0 && !seen[err.Error()] {
			seen[err.Error()] = true
			out = append(out, Finding{Check: "config", Status: Fail, Message: err.Error(), Fix: cmp.Or(hint.Of(err), "correct that profile")})
		}
	}
	if err != nil {
		add(err)
	}
	if !cfg.HasSyntaxErrors() {
		for _, name := range cfg.Names() {
			chain, err := cfg.Chain(name)
			if err == nil && check != nil {
				err = check(chain)
			}
			if err != nil {
				add(err)
			}
		}
	}
	if len(out) == 0 {
		return []Finding{{Check: "config", Status: OK, Message: fmt.Sprintf("%s and %s: %d profiles, no problem", files.ConfigPath, files.CredentialsPath, len(cfg.Names()))}}, cfg
	}
	return out, cfg
}

// Folder is one of credo's folders or files, for Folders.
type Folder struct {
	What string
	Path string
	Dir  bool
	// Mode is the most it may allow: 0700 for a folder, 0600 for a file.
	Mode fs.FileMode
	// Fail makes a wrong owner or type a failure (credo refuses to use it);
	// loose permissions are a warning either way.
	Fail bool
}

// Folders checks that each folder or file is what it should be, the
// user's, and closed to others. It changes nothing.
func Folders(items []Folder) []Finding {
	var out []Finding
	for _, it := range items {
		if it.Path == "" {
			continue
		}
		fi, err := os.Lstat(it.Path)
		if errors.Is(err, fs.ErrNotExist) {
			out = append(out, Finding{Check: "folders", Status: OK, Message: fmt.Sprintf("%s %s does not exist yet", it.What, it.Path)})
			continue
		}
		bad := func(msg, fix string) {
			st := Warn
			if it.Fail {
				st = Fail
			}
			out = append(out, Finding{Check: "folders", Status: st, Message: fmt.Sprintf("%s %s %s", it.What, it.Path, msg), Fix: fix})
		}
		switch {
		case err != nil:
			bad(": "+err.Error(), "make it readable by you")
		case fi.Mode()&fs.ModeSymlink != 0:
			bad("is a symbolic link", "replace it with a real "+kind(it.Dir)+" of yours")
		case it.Dir != fi.IsDir():
			bad("is not a "+kind(it.Dir), "move it away; credo creates the "+kind(it.Dir))
		case !ownedByMe(fi):
			bad("belongs to another user", "use a "+kind(it.Dir)+" of your own")
		case fi.Mode().Perm()&^it.Mode != 0:
			out = append(out, Finding{Check: "folders", Status: Warn,
				Message: fmt.Sprintf("%s %s is %04o: others may read it", it.What, it.Path, fi.Mode().Perm()),
				Fix:     fmt.Sprintf("chmod %o %s", it.Mode, it.Path)})
		default:
			out = append(out, Finding{Check: "folders", Status: OK, Message: fmt.Sprintf("%s %s: %04o, yours", it.What, it.Path, fi.Mode().Perm())})
		}
	}
	return out
}

func kind(dir bool) string {
	if dir {
		return "folder"
	}
	return "file"
}

// Binaries checks that the other binary of the pair is installed beside
// this one and reports the same version. version runs a binary with
// --version and returns its first line.
func Binaries(self, selfVersion, other, otherName string, version func(path string) (string, error)) Finding {
	if other == "" {
		return Finding{Check: "binaries", Status: Warn, Message: otherName + " is not installed beside " + self,
			Fix: "install both binaries together (make install, or the release archive)"}
	}
	v, err := version(other)
	if err != nil {
		return Finding{Check: "binaries", Status: Fail, Message: fmt.Sprintf("%s --version: %v", other, err), Fix: "reinstall credo; both binaries ship together"}
	}
	if v != selfVersion {
		return Finding{Check: "binaries", Status: Fail, Message: fmt.Sprintf("%s is %q but %s is %q", other, v, self, selfVersion),
			Fix: "reinstall credo so that both binaries come from one release"}
	}
	return Finding{Check: "binaries", Status: OK, Message: fmt.Sprintf("%s and %s: %s", self, other, v)}
}

// Skew limits: SigV4 signatures are refused past MaxSkew.
const (
	MaxSkew  = 5 * time.Minute
	WarnSkew = time.Minute
)

// Clock compares this machine's clock with the Date header of an unsigned
// request to url (STS). It signs nothing and sends no key.
func Clock(ctx context.Context, client *http.Client, url string, now func() time.Time) Finding {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Finding{Check: "clock", Status: Warn, Message: fmt.Sprintf("STS endpoint %q: %v", url, err), Fix: "check AWS_ENDPOINT_URL_STS and the profile's endpoint_url"}
	}
	start := now()
	resp, err := client.Do(req)
	if err != nil {
		return Finding{Check: "clock", Status: Warn, Message: fmt.Sprintf("could not reach STS at %s to compare clocks: %v", url, err),
			Fix: "check the network (or HTTPS_PROXY); clock skew past 5 minutes makes every STS call fail"}
	}
	resp.Body.Close()
	end := now()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return Finding{Check: "clock", Status: Warn, Message: fmt.Sprintf("STS at %s sent no usable Date header", url)}
	}
	local := start.Add(end.Sub(start) / 2)
	skew := local.Sub(date).Round(time.Second)
	abs := skew.Abs()
	desc := "ahead of"
	if skew < 0 {
		desc = "behind"
	}
	msg := fmt.Sprintf("this machine's clock is %s %s STS's (%s)", abs, desc, url)
	switch {
	case abs > MaxSkew:
		return Finding{Check: "clock", Status: Fail, Message: msg + ": STS refuses signatures more than 5m off",
			Fix: "set the clock right (timedatectl set-ntp true, or your system's time settings)"}
	case abs > WarnSkew:
		return Finding{Check: "clock", Status: Warn, Message: msg, Fix: "turn on time synchronisation (NTP) before it drifts past 5m"}
	}
	if abs <= 2*time.Second {
		msg = fmt.Sprintf("this machine's clock agrees with STS's (%s) to within 2s", url)
	}
	return Finding{Check: "clock", Status: OK, Message: msg}
}

// Endpoint is where one service's calls go for a profile.
type Endpoint struct {
	Service string
	URL     string
	// From says what chose it: an environment variable, the profile's
	// endpoint_url or services section, or "default".
	From string
}

// Endpoints reports where each service's calls go for the profile.
func Endpoints(profile string, eps []Endpoint) []Finding {
	var out []Finding
	for _, e := range eps {
		st, fix := Info, ""
		if strings.HasPrefix(e.URL, "http://") && !isLoopback(e.URL) {
			st, fix = Warn, "use https: credentials and signatures would cross the network in the clear"
		}
		out = append(out, Finding{Check: "endpoints", Status: st, Message: fmt.Sprintf("profile %q: %s calls go to %s (%s)", profile, e.Service, e.URL, e.From), Fix: fix})
	}
	return out
}

func isLoopback(url string) bool {
	rest := strings.TrimPrefix(url, "http://")
	return strings.HasPrefix(rest, "127.") || strings.HasPrefix(rest, "localhost") || strings.HasPrefix(rest, "[::1]")
}

// StoredKey is one profile's stored long-term key, without its secret.
type StoredKey struct {
	Profile     string
	AccessKeyID string
	Added       time.Time
}

// MaxKeyAge is the age past which a stored key should be rotated.
const MaxKeyAge = 90 * 24 * time.Hour

// KeyAges warns about stored keys older than MaxKeyAge.
func KeyAges(keys []StoredKey, now time.Time) []Finding {
	var out []Finding
	for _, k := range keys {
		switch {
		case k.Added.IsZero():
			out = append(out, Finding{Check: "keys", Status: Info, Message: fmt.Sprintf("profile %q: key %s, stored at an unknown date", k.Profile, k.AccessKeyID)})
		case now.Sub(k.Added) > MaxKeyAge:
			out = append(out, Finding{Check: "keys", Status: Warn,
				Message: fmt.Sprintf("profile %q: key %s was stored %d days ago (more than 90)", k.Profile, k.AccessKeyID, int(now.Sub(k.Added).Hours()/24)),
				Fix:     fmt.Sprintf("rotate it: credo rotate %s", k.Profile)})
		default:
			out = append(out, Finding{Check: "keys", Status: OK, Message: fmt.Sprintf("profile %q: key %s, stored %d days ago", k.Profile, k.AccessKeyID, int(now.Sub(k.Added).Hours()/24))})
		}
	}
	return out
}

// MFA warns about profiles whose credentials come from long-term keys (in
// the keyring or the AWS files) with no mfa_serial anywhere in the chain:
// AWS recommends MFA for IAM users.
func MFA(cfg *config.Config, stored map[string]bool) []Finding {
	if cfg == nil {
		return nil
	}
	var out []Finding
	names := cfg.Names()
	sort.Strings(names)
	for _, name := range names {
		chain, err := cfg.Chain(name)
		if err != nil || len(chain) == 0 {
			continue
		}
		root := chain[len(chain)-1]
		longTerm := stored[root.Name] || (root.HasStaticKeys() && root.SessionToken == "")
		if !longTerm || root.IsSSO() || root.CredentialProcess != "" && !stored[root.Name] {
			continue
		}
		mfa := false
		for _, p := range chain {
			if p.MFASerial != "" {
				mfa = true
			}
		}
		if !mfa {
			out = append(out, Finding{Check: "mfa", Status: Warn,
				Message: fmt.Sprintf("profile %q uses the long-term keys of %q with no mfa_serial in its chain", name, root.Name),
				Fix:     fmt.Sprintf("assign an MFA device to the IAM user and set mfa_serial in profile %q (AWS recommends MFA for IAM users)", root.Name)})
		}
	}
	if len(out) == 0 && len(names) > 0 {
		out = append(out, Finding{Check: "mfa", Status: OK, Message: "every profile built on long-term keys uses MFA"})
	}
	return out
}

// Identity is what GetCallerIdentity says of a stored key.
type Identity struct {
	ARN string
	Err error
}

// RootKeys reports the stored keys that belong to an account's root user
// (GetCallerIdentity's ARN ends in ":root") and those STS refuses. Only
// `credo doctor --online` runs it: it calls STS with each stored key.
func RootKeys(keys []StoredKey, identify func(StoredKey) Identity) []Finding {
	var out []Finding
	for _, k := range keys {
		id := identify(k)
		switch {
		case id.Err != nil:
			out = append(out, Finding{Check: "root", Status: Fail, Message: fmt.Sprintf("profile %q: key %s: %v", k.Profile, k.AccessKeyID, id.Err),
				Fix: cmp.Or(hint.Of(id.Err), fmt.Sprintf("store a working key: credo add %s", k.Profile))})
		case IsRoot(id.ARN):
			out = append(out, Finding{Check: "root", Status: Warn, Message: fmt.Sprintf("profile %q: key %s belongs to the root user of its account (%s)", k.Profile, k.AccessKeyID, id.ARN),
				Fix: RootAdvice})
		default:
			out = append(out, Finding{Check: "root", Status: OK, Message: fmt.Sprintf("profile %q: key %s works, as %s", k.Profile, k.AccessKeyID, id.ARN)})
		}
	}
	return out
}

// IsRoot reports whether a caller ARN is an account's root user.
func IsRoot(arn string) bool { return strings.HasSuffix(arn, ":root") }

// RootAdvice is what AWS advises about root user access keys.
const RootAdvice = "delete the root user's access keys (lock the root user away, with MFA) and use an IAM user's keys instead"
