package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credo-cli/credo/pkg/iostreams"
	"github.com/credo-cli/credo/pkg/memstore"
)

// LockOptions are the inputs of `credo lock`.
type LockOptions struct {
	IO *iostreams.IOStreams
	// Lock forgets what memory holds (memstore.Lock).
	Lock func() (memstore.Stats, error)
}

// NewCmdLock builds `credo lock`.
func NewCmdLock(f *Factory, runF func(*LockOptions) error) *cobra.Command {
	opts := &LockOptions{IO: f.env.IO, Lock: memstore.Lock}
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Forget unlocked keyrings and the sessions held in memory",
		Long: `Forget, at once, every keyring passphrase unlocked in this login session and
every session (temporary credentials) held in memory: the next command asks
for the passphrase again and gets new sessions. Like ssh-add -D and sudo -k.
Logging out or rebooting forgets them too. Long-term keys, and sessions
cached in a keyring backend, stay (credo clear deletes those sessions).`,
		Example: `  $ credo lock`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return lockRun(opts)
		},
	}
	return cmd
}

func lockRun(opts *LockOptions) error {
	st, err := opts.Lock()
	if errors.Is(err, memstore.ErrUnavailable) {
		// Nothing can have been kept: every command asked every time.
		fmt.Fprintf(opts.IO.ErrOut, "Locked: nothing is held in memory here (%v).\n", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Locked: forgot %s and %s held in memory.\n",
		plural(st.Unlocked, "unlocked keyring", "unlocked keyrings"), plural(st.Sessions, "session", "sessions"))
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
