package testsvc

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// installHints says how to get each outside tool a test runs, on a Debian-like
// system (what .ci/run installs). The README's list of tools matches it.
var installHints = map[string]string{
	"moto_server":          `pip install "moto[server]"`,
	"aws":                  "pip install awscli",
	"python3":              "apt-get install python3",
	"boto3":                "pip install boto3",
	"botocore":             "pip install botocore",
	"bash":                 "apt-get install bash",
	"zsh":                  "apt-get install zsh",
	"fish":                 "apt-get install fish",
	"pwsh":                 "see https://aka.ms/install-powershell",
	"make":                 "apt-get install make",
	"curl":                 "apt-get install curl",
	"dbus-daemon":          "apt-get install dbus",
	"dbus-send":            "apt-get install dbus",
	"dbus-run-session":     "apt-get install dbus",
	"gnome-keyring-daemon": "apt-get install gnome-keyring",
	"pass":                 "apt-get install pass",
	"gpg":                  "apt-get install gnupg",
	"gpgconf":              "apt-get install gnupg",
	"keyctl":               "apt-get install keyutils",
}

// MissingTool is the one line a test prints for a tool it cannot find: the
// tool's name and how to install it. fatal is true under CI=true, where every
// tool must be there and a skip would hide a test that did not run.
func MissingTool(name string) (line string, fatal bool) {
	line = name + " is not installed"
	if h, ok := installHints[name]; ok {
		line += " (install it with: " + h + ")"
	}
	if os.Getenv("CI") == "true" {
		return line + "; it is required under CI=true", true
	}
	return line + "; skipping", false
}

// Need returns the path of a tool. A missing tool fails the test under
// CI=true, where every service must run, and skips it elsewhere with one
// line that names the tool and how to install it.
func Need(t TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		NeedFailed(t, name)
	}
	return p
}

// NeedFailed stops the test for a tool (or a Python module such as boto3)
// that is missing: it fails under CI=true and skips elsewhere.
func NeedFailed(t TB, name string) {
	t.Helper()
	line, fatal := MissingTool(name)
	if fatal {
		t.Fatal(line)
	}
	t.Skip(line)
}

// NeedPython returns the path of the python3 interpreter that can import
// every module named (boto3, botocore), as NeedFailed treats a missing one.
// It resolves the real interpreter, since a pyenv shim would not work with a
// test's isolated HOME.
func NeedPython(t testing.TB, modules ...string) string {
	t.Helper()
	py := Need(t, "python3")
	p := py
	for _, m := range modules {
		out, err := exec.Command(py, "-c", "import sys, "+m+"; print(sys.executable)").Output()
		if err != nil {
			NeedFailed(t, m)
		}
		p = strings.TrimSpace(string(out))
	}
	return p
}
