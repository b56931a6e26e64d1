package plan

// The sources of handed-out credentials that the audit log records.
const (
	OriginGetSessionToken   = "GetSessionToken"
	OriginAssumeRole        = "AssumeRole"
	OriginWebIdentity       = "AssumeRoleWithWebIdentity"
	OriginGetRoleCreds      = "GetRoleCredentials"
	OriginCache             = "cache"
	OriginCredentialProcess = "credential_process"
	OriginStatic            = "static"
)

// Origin says where handed-out credentials came from: what the audit log
// records beside the access key id. It holds no secret.
type Origin struct {
	// Source is the call that made the credentials (GetSessionToken,
	// AssumeRole, AssumeRoleWithWebIdentity, GetRoleCredentials), "cache"
	// when a cached session was handed out, "credential_process", or
	// "static" for keys handed out as they are stored.
	Source string
	// Roles are the role ARNs of the chain, from the first assumed to the
	// target's.
	Roles []string
	// MFA reports whether an MFA code stands behind the credentials (asked
	// now, or when the cached session was made).
	MFA bool
}

// OriginOf describes the credentials the plan whose final step is top
// makes; cached reports whether they came from the session cache.
func OriginOf(top *Step, cached bool) Origin {
	o := Origin{Source: top.call()}
	if cached {
		o.Source = OriginCache
	}
	for n := top; n != nil; n = n.Source {
		if n.Serial != "" {
			o.MFA = true
		}
		if n.Kind == KindRole || n.Kind == KindWebIdentity {
			o.Roles = append([]string{n.Profile.RoleARN}, o.Roles...)
		}
	}
	return o
}

// call names what step n does, for Origin.
func (n *Step) call() string {
	switch n.Kind {
	case KindSession:
		return OriginGetSessionToken
	case KindRole:
		return OriginAssumeRole
	case KindWebIdentity:
		return OriginWebIdentity
	case KindSSO:
		return OriginGetRoleCreds
	}
	if n.Src == SourceProcess {
		return OriginCredentialProcess
	}
	return OriginStatic
}
