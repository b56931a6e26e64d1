package main

// Custom testscript commands that start the real services the scenarios
// talk to. Each service lives until the end of its script.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/credo-cli/credo/pkg/testing/testsvc"
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptTKey holds the script's testscript.T, through which cmdNeed skips.
type scriptTKey struct{}

// needTool returns the path of a tool the scenario runs. A missing one fails
// the script under CI=true and skips it elsewhere, with one line naming the
// tool and how to install it.
func needTool(ts *testscript.TestScript, name string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		missingTool(ts, name)
	}
	return path
}

func missingTool(ts *testscript.TestScript, name string) {
	line, fatal := testsvc.MissingTool(name)
	if fatal {
		ts.Fatalf("%s", line)
	}
	ts.Value(scriptTKey{}).(testscript.T).Skip(line)
}

// cmdNeed checks that the tools a scenario runs are installed; boto3 and
// botocore name Python modules that python3 must import.
//
// usage: need TOOL...
func cmdNeed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: need TOOL...")
	}
	for _, name := range args {
		switch name {
		case "boto3", "botocore":
			py := needTool(ts, "python3")
			if exec.Command(py, "-c", "import "+name).Run() != nil {
				missingTool(ts, name)
			}
		default:
			needTool(ts, name)
		}
	}
}

// cmdMoto starts moto_server as STS and IAM, creates the user alice (keys
// in $WORK/alice.keys) and the roles role1, role2 and role3 that trust the
// account, then turns signature checking on and proves it is on. It sets
// AWS_ENDPOINT_URL for credo and the aws CLI alike.
//
// usage: moto
func cmdMoto(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: moto")
	}
	bin := needTool(ts, "moto_server")
	// Port 0: moto_server binds a port the kernel chooses and names it in
	// its log. (A port found free beforehand could be taken by another
	// test's connection before moto_server binds it.)
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", "0")
	cmd.Env = append(os.Environ(), "INITIAL_NO_AUTH_ACTION_COUNT=100000", "MOTO_ENABLE_RECORDING=1",
		"MOTO_RECORDER_FILEPATH="+filepath.Join(ts.Getenv("WORK"), "moto-requests.jsonl"))
	logPath := filepath.Join(ts.Getenv("WORK"), "moto.log")
	logf, err := os.Create(logPath)
	ts.Check(err)
	cmd.Stdout, cmd.Stderr = logf, logf
	ts.Check(cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	ts.Defer(func() {
		_ = cmd.Process.Kill()
		<-exited
		logf.Close()
	})
	running := regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)
	url := ""
	for deadline := time.Now().Add(30 * time.Second); url == ""; {
		log, _ := os.ReadFile(logPath)
		if m := running.FindSubmatch(log); m != nil {
			url = string(m[1])
			continue
		}
		select {
		case <-exited:
			ts.Fatalf("moto_server exited:\n%s", log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ts.Fatalf("moto_server did not start within 30s:\n%s", log)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAADMINEXAMPLE0000", "admin-secret-admin-secret-admin-secret00", "")})
	pol, err := admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("everything"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	ts.Check(err)
	_, err = admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	ts.Check(err)
	_, err = admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Policy.Arn})
	ts.Check(err)
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	ts.Check(err)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`
	for _, role := range []string{"role1", "role2", "role3"} {
		_, err = admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(43200)})
		ts.Check(err)
		_, err = admin.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: pol.Policy.Arn})
		ts.Check(err)
	}
	ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), "alice.keys"),
		[]byte(*key.AccessKey.AccessKeyId+"\n"+*key.AccessKey.SecretAccessKey+"\n"), 0o600))

	// From now on every request must be signed by a key moto knows.
	resp, err := http.Post(url+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	ts.Check(err)
	resp.Body.Close()
	bogus := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIABOGUSEXAMPLE0000", "not-a-real-secret-not-a-real-secret-0000", "")})
	_, err = bogus.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") {
		ts.Fatalf("moto_server does not check signatures: a bogus key got %v", err)
	}
	ts.Setenv("AWS_ENDPOINT_URL", url)
	ts.Setenv("MOTO_URL", url)
}

// cmdMotoCalls checks how many requests of an action moto recorded.
//
// usage: moto-calls ACTION N
func cmdMotoCalls(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: moto-calls ACTION N")
	}
	data, err := os.ReadFile(filepath.Join(ts.Getenv("WORK"), "moto-requests.jsonl"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		ts.Fatalf("%v", err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec struct {
			Body    string `json:"body"`
			Encoded bool   `json:"body_encoded"`
		}
		ts.Check(json.Unmarshal([]byte(line), &rec))
		body := rec.Body
		if rec.Encoded {
			b, err := base64.StdEncoding.DecodeString(body)
			ts.Check(err)
			body = string(b)
		}
		if form, err := url.ParseQuery(body); err == nil && form.Get("Action") == args[0] {
			n++
		}
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if (n == want) == neg {
		ts.Fatalf("moto saw %d %s requests, want %s%d", n, args[0], map[bool]string{true: "not ", false: ""}[neg], want)
	}
}
