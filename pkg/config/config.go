// Package config reads the AWS shared config and credentials files with the
// AWS CLI's rules and resolves a profile into the chain of sources that
// produce its credentials. Reading never writes; AppendProfile is the one
// writer and it preserves every byte it does not add.
//
// Nothing here reads the process environment: callers pass paths and values in.
package config

// Files names the two files to read. Either may not exist.
type Files struct {
	ConfigPath      string // AWS_CONFIG_FILE, default ~/.aws/config
	CredentialsPath string // AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials
}

// Config is the parsed content of both files.
type Config struct {
	Files    Files
	profiles map[string]*Profile
	order    []string
}

// Names returns every profile name, in the order first seen (config file first).
func (c *Config) Names() []string { return append([]string(nil), c.order...) }

// Profile returns the named profile and whether it exists in either file.
func (c *Config) Profile(name string) (*Profile, bool) {
	p, ok := c.profiles[name]
	return p, ok
}
