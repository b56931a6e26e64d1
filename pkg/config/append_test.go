package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendProfilePreservesBytes(t *testing.T) {
	tests := []struct {
		name     string
		before   string
		profile  string
		keys     [][2]string
		appended string // what must follow the unchanged bytes
	}{
		{"comments and odd spacing",
			"# my settings\n;  keep me\n[default]\n  region=us-east-1   # trailing\n\n\n[profile  a ]\n\tk =  v\n\n",
			"dev", [][2]string{{"region", "eu-west-1"}},
			"[profile dev]\nregion = eu-west-1\n"},
		{"no final newline",
			"[default]\nregion = us-east-1",
			"dev", nil,
			"\n\n[profile dev]\n"},
		{"final newline but no blank line",
			"[default]\nregion = us-east-1\n",
			"dev", [][2]string{{"mfa_serial", "arn:aws:iam::123456789012:mfa/alice"}},
			"\n[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n"},
		{"CRLF",
			"[default]\r\nregion = us-east-1\r\n",
			"dev", [][2]string{{"region", "x"}, {"output", "json"}},
			"\r\n[profile dev]\r\nregion = x\r\noutput = json\r\n"},
		{"CRLF without final newline",
			"[default]\r\nregion = us-east-1",
			"dev", nil,
			"\r\n\r\n[profile dev]\r\n"},
		{"trailing blank line with spaces",
			"[default]\n  \n",
			"dev", nil,
			"[profile dev]\n"},
		{"empty file",
			"",
			"dev", nil,
			"[profile dev]\n"},
		{"default",
			"[profile a]\n",
			"default", [][2]string{{"region", "x"}},
			"\n[default]\nregion = x\n"},
		{"a bare section of the same name is not the profile",
			"[dev]\n",
			"dev", nil,
			"\n[profile dev]\n"},
		{"credentials-style header with the name does not count",
			"[profile dev-2]\n[profile xdev]\n",
			"dev", nil,
			"\n[profile dev]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(path, []byte(tt.before), 0o640); err != nil {
				t.Fatal(err)
			}
			added, err := AppendProfile(path, tt.profile, tt.keys, nil)
			if err != nil || !added {
				t.Fatalf("AppendProfile = %v, %v", added, err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.before+tt.appended {
				t.Fatalf("file\n got: %q\nwant: %q", got, tt.before+tt.appended)
			}
			st, _ := os.Stat(path)
			if st.Mode().Perm() != 0o640 {
				t.Fatalf("mode = %v, want the file's own 0640", st.Mode().Perm())
			}
			// The result parses and has the profile with its keys.
			c, err := Load(Files{ConfigPath: path})
			if err != nil {
				t.Fatal(err)
			}
			p := mustProfile(t, c, tt.profile)
			for _, kv := range tt.keys {
				if p.Raw[kv[0]] != kv[1] {
					t.Fatalf("%s = %q, want %q", kv[0], p.Raw[kv[0]], kv[1])
				}
			}
			// A second call finds the section and changes nothing.
			added, err = AppendProfile(path, tt.profile, tt.keys, nil)
			if err != nil || added {
				t.Fatalf("second AppendProfile = %v, %v", added, err)
			}
			again, _ := os.ReadFile(path)
			if string(again) != string(got) {
				t.Fatal("second call changed the file")
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Fatalf("temporary files left behind: %v", entries)
			}
		})
	}
}

func TestAppendProfileExistingSection(t *testing.T) {
	for _, tt := range []struct{ before, name string }{
		{"[profile dev]\n", "dev"},
		{"# x\n[profile dev] # mine\nregion = x", "dev"},
		{"[default]\n", "default"},
		{"[profile default]\n", "default"},
		{"[ profile dev ]\n", "dev"},
	} {
		path := filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(path, []byte(tt.before), 0o600); err != nil {
			t.Fatal(err)
		}
		added, err := AppendProfile(path, tt.name, [][2]string{{"region", "x"}}, nil)
		if err != nil || added {
			t.Fatalf("%q: AppendProfile = %v, %v", tt.before, added, err)
		}
		if got, _ := os.ReadFile(path); string(got) != tt.before {
			t.Fatalf("%q: file changed to %q", tt.before, got)
		}
	}
}

func TestAppendProfileCreatesFileAndFolder(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".aws", "config")
	added, err := AppendProfile(path, "dev", [][2]string{{"region", "x"}}, nil)
	if err != nil || !added {
		t.Fatalf("AppendProfile = %v, %v", added, err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "[profile dev]\nregion = x\n" {
		t.Fatalf("file = %q", got)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode = %v", st.Mode().Perm())
	}
	dst, _ := os.Stat(filepath.Dir(path))
	if dst.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode = %v", dst.Mode().Perm())
	}
}

func TestAppendProfileFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "aws-config")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("[default]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if _, err := AppendProfile(link, "dev", nil, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a file")
	}
	if got, _ := os.ReadFile(real); string(got) != "[default]\n\n[profile dev]\n" {
		t.Fatalf("target = %q", got)
	}
}

func TestAppendProfileRefuses(t *testing.T) {
	tests := []struct {
		name string
		keys [][2]string
		want string
	}{
		{"", nil, "profile name is empty"},
		{"a b", nil, `profile "a b": a profile name cannot contain spaces, control characters, "[" or "]"`},
		{"a]", nil, `profile "a]": a profile name cannot contain spaces, control characters, "[" or "]"`},
		{"a\nb", nil, `profile "a\nb": a profile name cannot contain spaces, control characters, "[" or "]"`},
		{"dev", [][2]string{{"aws_secret_access_key", "x"}}, `profile "dev": key "aws_secret_access_key": secrets go to the keyring, never to the config file`},
		{"dev", [][2]string{{"AWS_SESSION_TOKEN", "x"}}, `profile "dev": key "AWS_SESSION_TOKEN": secrets go to the keyring, never to the config file`},
		{"dev", [][2]string{{"region", "x\n[profile evil]"}}, `profile "dev": key "region": the value contains a control character`},
		{"dev", [][2]string{{"re gion", "x"}}, `profile "dev": key "re gion": a key is letters, digits, _, - and .`},
		{"dev", [][2]string{{"", "x"}}, `profile "dev": empty key`},
		{"dev", [][2]string{{"mfa_process", "ykman code 'AWS #1'"}}, `profile "dev": key "mfa_process": the value contains " #" or " ;", which would start a comment`},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "config")
		added, err := AppendProfile(path, tt.name, tt.keys, nil)
		if err == nil || added || err.Error() != tt.want {
			t.Fatalf("AppendProfile(%q, %q) = %v, %v; want error %q", tt.name, tt.keys, added, err, tt.want)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("a refused call wrote the file: %v", err)
		}
	}
}

func TestAppendProfileUnreadableFile(t *testing.T) {
	// A folder where the file should be cannot be read (this holds for root too).
	path := t.TempDir()
	if _, err := AppendProfile(path, "dev", nil, nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("err = %v", err)
	}
}
