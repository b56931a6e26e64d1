package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/lock"
	"github.com/credo-cli/credo/pkg/login"
)

// removePageCmd is the hidden command that `credo login` starts, detached,
// to delete the sign-in page it handed the browser once login.PageTTL has
// passed.
const removePageCmd = "__remove-login-page"

// newCmdRemovePage builds the hidden remover.
func newCmdRemovePage() *cobra.Command {
	return &cobra.Command{
		Use:    removePageCmd + " <page>",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		// No settings: a broken settings file must not keep a page alive.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, args []string) error {
			if !login.IsPage(args[0]) {
				return flagErrorf("%s is not a sign-in page of credo", args[0])
			}
			select {
			case <-time.After(login.PageTTL):
			case <-cmd.Context().Done():
			}
			return login.RemovePage(args[0])
		},
	}
}

// pageDir is the private folder for sign-in pages: the lock folder,
// $XDG_RUNTIME_DIR/credo or the cache folder's credo (see lock.DefaultDir).
func (f *Factory) pageDir() (string, error) { return lock.DefaultDir(f.env.Getenv) }

// openViaPage writes the sign-in page for signinURL, hands the browser its
// file: URL, and starts the remover; pages a remover did not get to are
// swept first.
func (f *Factory) openViaPage(open func(context.Context, string) error) func(context.Context, string) error {
	return func(ctx context.Context, signinURL string) error {
		dir, err := f.pageDir()
		if err != nil {
			return err
		}
		login.RemoveStalePages(dir, time.Now())
		page, err := login.WritePage(dir, signinURL)
		if err != nil {
			return err
		}
		if err := startRemover(page); err != nil {
			f.log.Debug("no remover for the sign-in page; the next login removes it", "error", err)
		}
		if err := open(ctx, login.PageURL(page)); err != nil {
			_ = login.RemovePage(page)
			return err
		}
		return nil
	}
}

// removerCommand is the remover's command: the page's path its only
// argument, detached, and an environment of its own. It lives a minute
// after credo is gone, so it gets none of credo's variables (they may hold
// CREDO_FILE_PASSPHRASE or AWS keys); it needs none, bar what windows needs
// to start a process.
func removerCommand(self, page string) *exec.Cmd {
	cmd := exec.Command(self, removePageCmd, page)
	cmd.Env = []string{}
	if v, ok := os.LookupEnv("SYSTEMROOT"); ok && runtime.GOOS == "windows" {
		cmd.Env = append(cmd.Env, "SYSTEMROOT="+v)
	}
	detach(cmd)
	return cmd
}

// startRemover starts this program's hidden remover for page, detached
// from the terminal and from credo's own standard streams.
func startRemover(page string) error {
	self := os.Args[0]
	if filepath.Base(self) == self {
		// Started from PATH: find it there as the shell did.
		p, err := exec.LookPath(self)
		if err != nil {
			return err
		}
		self = p
	} else if p, err := filepath.Abs(self); err == nil {
		self = p
	}
	cmd := removerCommand(self, page)
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
