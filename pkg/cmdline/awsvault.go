package cmdline

// aws-vault's spellings of flags that credo spells differently: credo
// accepts them (so that pflag parses their values) only to stop with exit
// status 2 and one line naming credo's spelling (Instead). pkg/cli says
// it; docs/migrating-from-aws-vault.md has the whole table.

// awsVaultGlobals are aws-vault's global flags that credo reads from its
// settings instead.
var awsVaultGlobals = []Flag{
	{Hidden: true, Name: "keychain", Value: true, Instead: "CREDO_KEYCHAIN_NAME (keychain_name in the settings file)"},
	{Hidden: true, Name: "secret-service-collection", Value: true, Instead: "CREDO_SECRET_SERVICE_COLLECTION (secret_service_collection in the settings file)"},
	{Hidden: true, Name: "pass-dir", Value: true, Instead: "CREDO_PASS_DIR (pass_dir in the settings file)"},
	{Hidden: true, Name: "pass-cmd", Value: true, Instead: "CREDO_PASS_CMD (pass_cmd in the settings file)"},
	{Hidden: true, Name: "pass-prefix", Value: true, Instead: "CREDO_PASS_PREFIX (pass_prefix in the settings file)"},
	{Hidden: true, Name: "file-dir", Value: true, Instead: "CREDO_FILE_DIR (file_dir in the settings file)"},
	{Hidden: true, Name: "biometrics", Instead: "none; credo has no Touch ID unlock; the keychain backend asks macOS itself"},
	{Hidden: true, Name: "op-timeout", Value: true, Instead: "a backend of credo's (--backend); credo has no 1Password backend"},
	{Hidden: true, Name: "op-vault-id", Value: true, Instead: "a backend of credo's (--backend); credo has no 1Password backend"},
	{Hidden: true, Name: "op-item-title-prefix", Value: true, Instead: "a backend of credo's (--backend); credo has no 1Password backend"},
	{Hidden: true, Name: "op-item-tag", Value: true, Instead: "a backend of credo's (--backend); credo has no 1Password backend"},
	{Hidden: true, Name: "op-connect-host", Value: true, Instead: "a backend of credo's (--backend); credo has no 1Password backend"},
	{Hidden: true, Name: "op-desktop-account-id", Value: true, Instead: "a backend of credo's (--backend); credo has no 1Password backend"},
	{Hidden: true, Name: "proton-pass-share-id", Value: true, Instead: "a backend of credo's (--backend); credo has no Proton Pass backend"},
	{Hidden: true, Name: "proton-pass-item-title-prefix", Value: true, Instead: "a backend of credo's (--backend); credo has no Proton Pass backend"},
	{Hidden: true, Name: "proton-pass-api-base", Value: true, Instead: "a backend of credo's (--backend); credo has no Proton Pass backend"},
	{Hidden: true, Name: "proton-pass-timeout", Value: true, Instead: "a backend of credo's (--backend); credo has no Proton Pass backend"},
	{Hidden: true, Name: "help-long", Instead: "credo help COMMAND"},
	{Hidden: true, Name: "help-man", Instead: "man credo (make install puts the man pages in place)"},
	{Hidden: true, Name: "completion-script-bash", Instead: "credo completion bash"},
	{Hidden: true, Name: "completion-script-zsh", Instead: "credo completion zsh"},
	{Hidden: true, Name: "completion-bash", Instead: "credo completion bash"},
}

// awsVaultExec are aws-vault's flags of exec that credo spells differently.
var awsVaultExec = []Flag{
	{Hidden: true, Name: "json", Short: "j", Instead: "credo export --format json PROFILE"},
	{Hidden: true, Name: "lazy", Instead: "credo exec --server (credo fetches the credentials once at the start and refreshes them; drop --lazy)"},
	{Hidden: true, Name: "stdout", Instead: "--no-browser"},
	{Hidden: true, Name: "profile-env", Instead: "none; credo exec hands out the credentials themselves; for AWS_PROFILE use credential_process = credo export --format json PROFILE"},
}

// awsVaultExport are aws-vault's flags of export that credo spells
// differently.
var awsVaultExport = []Flag{
	{Hidden: true, Name: "stdout", Instead: "--no-browser"},
}
