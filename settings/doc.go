// Package settings reads the app's configuration and checks it before the
// server starts.
//
// It is the first step of the login flow: main calls [Load] with the
// process environment, logs the resulting [Settings] (secrets print as
// "[redacted]", see [Secret]) with [Settings.Warnings] and the address
// [Settings.OpenURL] to open, and hands Server, OAuth and Session to the
// packages that need them. Nothing in this package reads the process
// environment itself; callers pass it in, so tests and examples can use
// any environment they like.
//
// # Where values come from
//
// ENVIRONMENT (default "local") selects the file
// <ENV_DIR>/<ENVIRONMENT>/.env, ENV_DIR being <root>/env unless set, which
// is read as python-dotenv's load_dotenv reads it, ${VAR} expansion
// included; [ParseDotenv] describes the syntax. The file is optional when
// the process environment supplies every setting; [Settings.EnvFileFound]
// says whether it existed, and when settings are missing the error says
// what to do about the file. A variable present in the process environment
// wins over the same variable in the file, so a deployment platform can
// override any line without editing the file.
//
// [Variables] lists every variable with its default and meaning.
//
// # Empty values
//
// An empty value counts as unset, so the default applies. The exception is
// the variables that name OAuth request parameters (SCOPE, PROMPT,
// APPROVAL_PROMPT, RESPONSE_TYPE and GRANT_TYPE) and
// POST_LOGOUT_REDIRECT_URL: for those, an explicitly empty value such as
// "PROMPT=" means "do not send this parameter" and stays empty. RESPONSE_TYPE and GRANT_TYPE are then rejected, because the
// authorization code flow needs both.
//
// # Errors
//
// A malformed .env line is a [*SyntaxError] that names the file and line.
// Every problem with the values themselves is collected into a single
// [*ValidationError], so a misconfigured deployment can be fixed in one
// pass: a value out of its range, and one that still holds an example's
// placeholder, among them. Neither error ever contains a value, because
// values may be secrets.
package settings
