package settings

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/credo-cli/credo/pkg/hint"
	"github.com/credo-cli/credo/pkg/xdg"
)

// Input is what Load reads settings from.
type Input struct {
	// Flags are the global flags given on the command line, by name
	// ("backend", "config"): only those given, with their values.
	Flags map[string]string
	// Getenv reads the environment.
	Getenv func(string) string
	// ReadFile reads the settings file; nil means the file system (only a
	// regular file of at most 1 MiB is read).
	ReadFile func(path string) ([]byte, error)
}

// Path returns the settings file: --config, CREDO_CONFIG, else
// $XDG_CONFIG_HOME/credo/config.yaml, else ~/.config/credo/config.yaml.
// explicit reports whether the user named it, which makes a missing file an
// error. path is "" when there is no home folder to look in.
func Path(flags map[string]string, getenv func(string) string) (path string, explicit bool) {
	if p, ok := flags["config"]; ok && p != "" {
		return p, true
	}
	if p := getenv("CREDO_CONFIG"); p != "" {
		return p, true
	}
	if d := xdg.Config.Credo(getenv); d != "" {
		return filepath.Join(d, "config.yaml"), false
	}
	return "", false
}

// Load applies flag > environment > settings file > default. It always
// returns settings (a value in error is left at its default); the error, an
// Errors list possibly wrapped with a hint, names every problem found.
func Load(in Input) (*Settings, error) {
	s := Defaults()
	var errs Errors

	path, explicit := Path(in.Flags, in.Getenv)
	var file map[string]fileValue
	if path != "" {
		read := in.ReadFile
		if read == nil {
			read = readSmallFile
		}
		data, err := read(path)
		switch {
		case err == nil:
			s.File = path
			file, errs = parse(path, data)
		case explicit || !errors.Is(err, fs.ErrNotExist):
			errs = append(errs, &Problem{File: path, Msg: fileError(err)})
		}
	}

	for i := range Keys {
		k := &Keys[i]
		var val, from string
		var fv fileValue
		if v, ok := in.Flags[k.Flag]; ok && k.Flag != "" {
			val, from = v, "--"+k.Flag
		} else if v := in.Getenv(k.Env); v != "" {
			val, from = v, k.Env
		} else if v, ok := file[k.Name]; ok {
			val, from, fv = v.value, k.Name, v
		} else {
			continue
		}
		if fv.line > 0 {
			s.setSource(k.Name, path+":"+strconv.Itoa(fv.line))
		} else {
			s.setSource(k.Name, from)
		}
		if err := k.set(s, val); err != nil {
			p := &Problem{Name: from, Msg: err.Error()}
			if fv.line > 0 {
				p.File, p.Line = path, fv.line
			}
			if k.Values != nil {
				p.Hint = hint.DidYouMean(val, k.Values)
			}
			errs = append(errs, p)
		}
	}
	if len(errs) == 0 {
		return s, nil
	}
	if h := errs[0].Hint; h != "" {
		return s, hint.Wrap(errs, h)
	}
	return s, errs
}

func (s *Settings) setSource(name, from string) {
	if s.sources == nil {
		s.sources = map[string]string{}
	}
	s.sources[name] = from
}

// Problem is one thing wrong with the settings.
type Problem struct {
	// File and Line locate a problem in the settings file (Line 0: the
	// whole file).
	File string
	Line int
	// Name is where the bad value came from: "--backend", "CREDO_BACKEND"
	// or the file key; "" for a problem that is not about one value.
	Name string
	// Msg says what is wrong.
	Msg string
	// Hint says what to do, or is "".
	Hint string
}

// Error formats the problem as "file:line: name: message".
func (p *Problem) Error() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0:
		b.WriteString(p.File + ":" + strconv.Itoa(p.Line) + ": ")
	case p.File != "":
		b.WriteString("settings file " + p.File + ": ")
	}
	if p.Name != "" {
		b.WriteString(p.Name + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Errors is every problem Load found, in the order of Keys after the file's
// own; Error puts one on each line.
type Errors []*Problem

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func fileError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

// errNotRegular refuses a settings file that is not a small regular file (a
// device, a fifo, a huge file given by mistake), so start-up stays fast.
var errNotRegular = errors.New("not a regular file of at most 1 MiB")

func readSmallFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > 1<<20 {
		return nil, errNotRegular
	}
	return os.ReadFile(path)
}
