// Package output is what credo hands a consumer: the export formats (Write)
// and the environment of exec's child (ChildEnv, Vars, Region). It is shared
// by the full command tree and the lean front, so it imports nothing heavy.
package output

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
)

// Credentials are what is handed out. Expires is meaningful only when
// CanExpire is true (long-term keys do not expire).
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	CanExpire       bool
	Expires         time.Time
	// RoleARN is the role the credentials belong to, when the profile names
	// one; it is handed out as CREDO_ROLE_ARN for `credo status`.
	RoleARN string
}

// Formats lists the export formats.
var Formats = []string{"env", "sh", "fish", "powershell", "json", "ini"}

// ValidFormat reports whether f is an export format.
func ValidFormat(f string) bool {
	for _, v := range Formats {
		if v == f {
			return true
		}
	}
	return false
}

// Vars lists the variables a consumer needs, in a stable order; the region
// ones only when the region is known, CREDO_ROLE_ARN only when RoleARN is.
func Vars(c Credentials, region string) [][2]string {
	vars := [][2]string{
		{"AWS_ACCESS_KEY_ID", c.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
	}
	if c.SessionToken != "" {
		vars = append(vars, [2]string{"AWS_SESSION_TOKEN", c.SessionToken})
	}
	if c.CanExpire {
		vars = append(vars, [2]string{"AWS_CREDENTIAL_EXPIRATION", c.Expires.UTC().Format(time.RFC3339)})
	}
	if region != "" {
		vars = append(vars, [2]string{"AWS_REGION", region}, [2]string{"AWS_DEFAULT_REGION", region})
	}
	if c.RoleARN != "" {
		vars = append(vars, [2]string{"CREDO_ROLE_ARN", c.RoleARN})
	}
	return vars
}

// processCredentials is the credential_process output of the AWS SDKs.
type processCredentials struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

// plainJSON is json.Marshal(pc) when no value needs escaping (credentials
// never do), written by hand: encoding/json's first use costs a fresh
// process about 80 µs, a twentieth of the hot path.
func (pc processCredentials) plainJSON() (string, bool) {
	for _, v := range []string{pc.AccessKeyID, pc.SecretAccessKey, pc.SessionToken, pc.Expiration} {
		for i := 0; i < len(v); i++ {
			if c := v[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return "", false
			}
		}
	}
	var b strings.Builder
	b.WriteString(`{"Version":` + strconv.Itoa(pc.Version) + `,"AccessKeyId":"` + pc.AccessKeyID + `","SecretAccessKey":"` + pc.SecretAccessKey + `"`)
	if pc.SessionToken != "" {
		b.WriteString(`,"SessionToken":"` + pc.SessionToken + `"`)
	}
	if pc.Expiration != "" {
		b.WriteString(`,"Expiration":"` + pc.Expiration + `"`)
	}
	b.WriteString("}")
	return b.String(), true
}

// Write prints c in format for profile; it writes once, so a consumer never
// reads half an answer.
func Write(w io.Writer, format, profile string, c Credentials, region string) error {
	var b strings.Builder
	switch format {
	case "json":
		pc := processCredentials{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
		if c.CanExpire {
			pc.Expiration = c.Expires.UTC().Format(time.RFC3339)
		}
		if out, ok := pc.plainJSON(); ok {
			b.WriteString(out)
		} else {
			out, err := json.Marshal(pc)
			if err != nil {
				return err
			}
			b.Write(out)
		}
		b.WriteByte('\n')
	case "ini":
		b.WriteString("[" + profile + "]\n")
		b.WriteString("aws_access_key_id = " + c.AccessKeyID + "\n")
		b.WriteString("aws_secret_access_key = " + c.SecretAccessKey + "\n")
		if c.SessionToken != "" {
			b.WriteString("aws_session_token = " + c.SessionToken + "\n")
		}
		if region != "" {
			b.WriteString("region = " + region + "\n")
		}
	default:
		// A shell that evaluated an earlier export still holds its
		// variables: those these credentials lack are cleared, or long-term
		// keys would go out with the last session's token, and `credo
		// status` would report its expiration and role. Nothing to clear is
		// no failure (fish's "or true"), and the clearing comes first, so
		// that PowerShell's last statement is an assignment that succeeds.
		for _, name := range clearedVars(c) {
			b.WriteString(ShellUnset(format, name))
			b.WriteByte('\n')
		}
		// CREDO_PROFILE lets `credo status` describe the shell.
		for _, kv := range append(Vars(c, region), [2]string{"CREDO_PROFILE", profile}) {
			b.WriteString(ShellLine(format, kv[0], kv[1]))
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ShellLine formats one assignment so that the shell reads back exactly
// value, whatever it contains.
func ShellLine(format, key, value string) string {
	switch format {
	case "sh":
		return "export " + key + "=" + shQuote(value)
	case "fish":
		return "set -gx " + key + " " + fishQuote(value) + ";"
	case "powershell":
		return "$Env:" + key + " = " + psQuote(value)
	default: // env
		return key + "=" + value
	}
}

// clearedVars are the variables of an export that c does not set.
func clearedVars(c Credentials) []string {
	var out []string
	if c.SessionToken == "" {
		out = append(out, "AWS_SESSION_TOKEN")
	}
	if !c.CanExpire {
		out = append(out, "AWS_CREDENTIAL_EXPIRATION")
	}
	if c.RoleARN == "" {
		out = append(out, "CREDO_ROLE_ARN")
	}
	return out
}

// ShellUnset formats the removal of a variable; the env format, which has
// no removal, sets it empty (which the AWS SDKs and credo status read as
// unset).
func ShellUnset(format, key string) string {
	switch format {
	case "sh":
		return "unset " + key
	case "fish":
		return "set -e " + key + "; or true;"
	case "powershell":
		return "Remove-Item Env:" + key + " -ErrorAction SilentlyContinue"
	default: // env
		return key + "="
	}
}

// shQuote quotes for POSIX shells: inside single quotes nothing is special
// but the single quote itself, which is closed, escaped and reopened.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes for fish, where a single-quoted string honours only \\ and \'.
func fishQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// psQuote quotes for PowerShell, where a single-quoted string doubles its
// single quotes (including the typographic ones PowerShell also accepts).
func psQuote(s string) string {
	r := strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b")
	return "'" + r.Replace(s) + "'"
}

// removedVars never reach exec's child: they would point the SDKs at
// another profile or carry stale credentials.
var removedVars = map[string]bool{
	"AWS_PROFILE": true, "AWS_DEFAULT_PROFILE": true, "AWS_SECURITY_TOKEN": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_CREDENTIAL_EXPIRATION": true,
	"AWS_CONTAINER_CREDENTIALS_FULL_URI": true, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": true, "AWS_CONTAINER_AUTHORIZATION_TOKEN": true,
	"AWS_EC2_METADATA_SERVICE_ENDPOINT": true,
	"CREDO_PROFILE":                     true,
	"CREDO_ROLE_ARN":                    true,
	// credo's own secrets.
	"CREDO_FILE_PASSPHRASE": true,
}

// Argv is what exec runs: command, or the user's $SHELL (else /bin/sh)
// when no command is given.
func Argv(command []string, getenv func(string) string) []string {
	if len(command) > 0 {
		return command
	}
	if sh := getenv("SHELL"); sh != "" {
		return []string{sh}
	}
	return []string{"/bin/sh"}
}

// ChildEnv is environ without the variables exec removes, plus
// CREDO_PROFILE and the region variables when region is known.
func ChildEnv(environ []string, profile, region string) []string {
	out := make([]string, 0, len(environ)+10)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if removedVars[name] || (region != "" && (name == "AWS_REGION" || name == "AWS_DEFAULT_REGION")) {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "CREDO_PROFILE="+profile)
	if region != "" {
		out = append(out, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region)
	}
	return out
}

// Region is the region handed out with credentials: the --region flag,
// else the profile's region, else AWS_REGION, else AWS_DEFAULT_REGION, else
// "" (unknown: no region variable is set). Both binaries use it, so that a
// cached answer and a fresh one name the same region.
func Region(flag, profileRegion string, getenv func(string) string) string {
	for _, r := range []string{flag, profileRegion, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")} {
		if r != "" {
			return r
		}
	}
	return ""
}
