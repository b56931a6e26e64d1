package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestScriptMissingToolSkips runs the rotate scenario (moto_server and the aws
// CLI) with a PATH that has neither: outside CI it is skipped with one line
// that names the tool and how to install it; under CI=true it fails (issue 7).
func TestScriptMissingToolSkips(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary")
	}
	run := func(ci string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestScript$/^rotate$", "-test.v", "-test.count=1")
		env := []string{"PATH=" + t.TempDir(), "HOME=" + t.TempDir()}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "CI=") {
				env = append(env, kv)
			}
		}
		if ci != "" {
			env = append(env, "CI="+ci)
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := run("")
	if err != nil {
		t.Fatalf("without moto_server outside CI the scenario failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "--- SKIP: TestScript/rotate") {
		t.Errorf("the scenario was not skipped:\n%s", out)
	}
	const line = `moto_server is not installed (install it with: pip install "moto[server]"); skipping`
	if strings.Count(out, line) != 1 {
		t.Errorf("want the one line %q in:\n%s", line, out)
	}

	out, err = run("true")
	if err == nil {
		t.Fatalf("under CI=true a missing moto_server passed:\n%s", out)
	}
	if !strings.Contains(out, "moto_server is not installed") || !strings.Contains(out, "required under CI=true") {
		t.Errorf("under CI=true the failure does not name the tool:\n%s", out)
	}
}
