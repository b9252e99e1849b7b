package oauthtest

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// signInPage is what the sign-in form shows.
type signInPage struct {
	ClientID    string
	RedirectURI string
	Scope       string
	Fields      []hiddenField // the authorization request, carried to POST /authorize
	UserName    string
	Email       string // as chosen; empty for the default address
	Unverified  bool
	Groups      string // one a line
	Problem     string
}

type hiddenField struct {
	Name, Value string
}

// showSignIn shows the sign-in form for req. a fills the fields with the
// last attempt's choices, and problem, if any, says what was wrong with
// them.
func (p *Provider) showSignIn(w http.ResponseWriter, status int, req authorizeRequest, a account, problem string) {
	email := a.email
	if email == emailAddress(a.user) {
		email = "" // the default: the field shows it as its placeholder
	}
	fields := []hiddenField{
		{"response_type", "code"},
		{"client_id", req.clientID},
		{"redirect_uri", req.redirectURI},
	}
	if req.state != "" {
		fields = append(fields, hiddenField{"state", req.state})
	}
	if req.scope != "" {
		fields = append(fields, hiddenField{"scope", req.scope})
	}
	if req.codeChallenge != "" {
		fields = append(fields, hiddenField{"code_challenge", req.codeChallenge}, hiddenField{"code_challenge_method", "S256"})
	}
	if req.nonce != "" {
		fields = append(fields, hiddenField{"nonce", req.nonce})
	}
	if req.prompt != "" {
		fields = append(fields, hiddenField{"prompt", req.prompt})
	}
	p.render(w, status, "sign-in", signInPage{
		ClientID:    req.clientID,
		RedirectURI: req.redirectURI,
		Scope:       req.scope,
		Fields:      fields,
		UserName:    a.user,
		Email:       email,
		Unverified:  a.unverified,
		Groups:      strings.Join(a.groups, "\n"),
		Problem:     problem,
	})
}

// errorPage is what the error page shows.
type errorPage struct {
	Heading string
	Problem string
}

// showError shows a page saying why a sign-in cannot go on. It is for the
// person at the browser: nothing is sent to the client.
func (p *Provider) showError(w http.ResponseWriter, problem string) {
	p.render(w, http.StatusBadRequest, "error", errorPage{"This sign-in cannot continue", problem})
}

func (p *Provider) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	// The templates are fixed and tested, so an error here can only be the
	// client going away.
	p.pages.ExecuteTemplate(w, name, data)
}

// setPageHeaders sets the headers that keep the authorization endpoint's
// pages, and the redirects it answers with, from being abused.
func (p *Provider) setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", p.pageCSP)
	// A consent page shown in someone else's frame can be clicked through
	// by a disguised page on top of it.
	h.Set("X-Frame-Options", "DENY")
	// The page's URL carries the request's state and PKCE challenge.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// pageCSP returns the Content-Security-Policy of the pages: nothing may load
// but the inline stylesheet, and nothing may frame them.
func pageCSP(redirectURL *url.URL) string {
	// form-action limits where the form may lead, and Chromium applies it
	// to the redirect that follows the form's submission too: the client's
	// origin must be allowed next to the page's own.
	return "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' " + cspSource(redirectURL) +
		"; frame-ancestors 'none'; base-uri 'none'"
}

// cspSource returns the CSP source expression that matches u's origin.
func cspSource(u *url.URL) string {
	if u.Host == "" {
		return u.Scheme + ":" // a native app's private-use scheme, like com.example.app:/callback
	}
	return u.Scheme + "://" + u.Host
}

func parsePages() *template.Template {
	return template.Must(template.New("pages").Parse(pageTemplates))
}

// pageTemplates are the provider's pages. html/template escapes every value
// for where it appears, so hostile request parameters stay inert text. All
// links are relative, so the pages work under any path prefix.
const pageTemplates = `
{{define "head" -}}
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.}} · Development sign-in</title>
<style>
:root {
  color-scheme: light dark;
  --text: #1d2127; --muted: #5c6570; --page: #eef0f3; --card: #ffffff; --line: #d5d9df;
  --accent: #1a5fd0; --accent-text: #ffffff;
  --warn-bg: #fff3cd; --warn-text: #5c4300; --warn-edge: #e0a800;
  --problem: #b3261e;
}
@media (prefers-color-scheme: dark) {
  :root {
    --text: #e4e7eb; --muted: #9aa4af; --page: #121417; --card: #1c1f24; --line: #353b43;
    --accent: #5b9bff; --accent-text: #0b1220;
    --warn-bg: #3b2f08; --warn-text: #ffe08a; --warn-edge: #c79a00;
    --problem: #ff8a80;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; min-height: 100vh; padding: 1rem;
  display: flex; align-items: center; justify-content: center;
  background: var(--page); color: var(--text);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main {
  width: 100%; max-width: 28rem; padding: 1.5rem;
  background: var(--card); border: 1px solid var(--line); border-radius: 12px;
  box-shadow: 0 2px 12px rgb(0 0 0 / 0.08);
}
.warning {
  margin: 0 0 1.25rem; padding: 0.75rem 1rem;
  background: var(--warn-bg); color: var(--warn-text);
  border-left: 4px solid var(--warn-edge); border-radius: 6px;
}
.warning strong { display: block; }
h1 { margin: 0 0 1rem; font-size: 1.35rem; }
dl { margin: 0 0 1.25rem; }
dt { font-size: 0.75rem; font-weight: 600; letter-spacing: 0.05em; text-transform: uppercase; color: var(--muted); }
dd { margin: 0 0 0.6rem; overflow-wrap: anywhere; }
code { font: 0.9rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
label { display: block; margin-bottom: 0.35rem; font-weight: 600; }
input, textarea {
  width: 100%; padding: 0.6rem 0.75rem; font: inherit; color: inherit;
  background: transparent; border: 1px solid var(--line); border-radius: 8px;
}
input:focus, textarea:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
label.check { display: flex; gap: 0.5rem; align-items: center; margin: -0.75rem 0 1.25rem; font-weight: normal; }
label.check input { width: auto; }
.hint { margin: 0.35rem 0 1.25rem; font-size: 0.85rem; color: var(--muted); }
.problem { margin: 0.5rem 0 0; color: var(--problem); font-weight: 600; }
.actions { display: flex; flex-direction: row-reverse; gap: 0.75rem; }
button {
  flex: 1; padding: 0.65rem 1rem; font: inherit; font-weight: 600; cursor: pointer;
  color: inherit; background: transparent; border: 1px solid var(--line); border-radius: 8px;
}
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
#approve { color: var(--accent-text); background: var(--accent); border-color: var(--accent); }
</style>
</head>
{{- end}}

{{define "warning" -}}
<p class="warning" role="note"><strong>Development sign-in — not a real provider.</strong>
Any user name is accepted; no password is checked.</p>
{{- end}}

{{define "sign-in" -}}
{{template "head" "Sign in"}}
<body>
<main>
{{template "warning"}}
<h1>Sign in</h1>
<dl>
<dt>Application (client_id)</dt>
<dd><code>{{.ClientID}}</code></dd>
<dt>Sends you back to</dt>
<dd><code>{{.RedirectURI}}</code></dd>
{{- with .Scope}}
<dt>Asks for (scope)</dt>
<dd><code>{{.}}</code></dd>
{{- end}}
</dl>
<form method="post" action="authorize">
{{- range .Fields}}
<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{- end}}
<label for="username">User name</label>
<input id="username" name="username" value="{{.UserName}}" required autofocus maxlength="64"
  pattern="[A-Za-z0-9._\-]+" autocomplete="username" autocapitalize="none" spellcheck="false"
  aria-describedby="username-hint">
{{- with .Problem}}
<p class="problem" id="problem" role="alert">{{.}}</p>
{{- end}}
<p class="hint" id="username-hint">Up to 64 letters, digits, dots, underscores or hyphens.</p>
<label for="email">E-mail address</label>
<input id="email" name="email" value="{{.Email}}" maxlength="256" placeholder="the user name @example.test"
  inputmode="email" autocomplete="off" autocapitalize="none" spellcheck="false" aria-describedby="email-hint">
<p class="hint" id="email-hint">Any text: an app's rules must refuse what is not a plain address.</p>
<label class="check"><input type="checkbox" id="email_unverified" name="email_unverified" value="true"
  {{- if .Unverified}} checked{{end}}> The provider has not verified this address</label>
<label for="groups">Groups</label>
<textarea id="groups" name="groups" rows="2" autocapitalize="none" spellcheck="false"
  aria-describedby="groups-hint">{{.Groups}}</textarea>
<p class="hint" id="groups-hint">One a line, such as staff, or org/team as GitHub names teams. None when empty.</p>
{{- /* Approve comes first, so that Enter in the field approves; the
     row-reverse layout still shows it on the right. */}}
<div class="actions">
<button id="approve" type="submit" name="action" value="approve">Approve</button>
<button id="cancel" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</div>
</form>
</main>
</body>
</html>
{{end}}

{{define "error" -}}
{{template "head" "Cannot continue"}}
<body>
<main>
{{template "warning"}}
<h1>{{.Heading}}</h1>
<p class="problem" id="problem">{{.Problem}}</p>
<p>Nothing was sent back to the application: it is only told about requests
that are sure to lead back to it.</p>
</main>
</body>
</html>
{{end}}

{{define "logged-out" -}}
{{template "head" "Logged out"}}
<body>
<main>
{{template "warning"}}
<h1>Logged out</h1>
<p id="logged-out">You are logged out of the development provider.</p>
</main>
</body>
</html>
{{end}}
`
