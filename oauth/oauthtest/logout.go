package oauthtest

import (
	"fmt"
	"net/http"
	"net/url"
)

// logout serves GET and POST /logout, where a client sends the browser to
// end the user's session (OpenID Connect RP-Initiated Logout 1.0 §2). This
// provider keeps no sessions, so there is nothing to end: what it checks is
// whether the request may lead the browser back to the client. When it may
// not, the person sees why, and the browser goes nowhere.
func (p *Provider) logout(w http.ResponseWriter, r *http.Request) {
	p.setPageHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	parseErr := r.ParseForm()
	p.logoutRecorder.record(r)
	if parseErr != nil {
		p.showLogoutError(w, "The request could not be read.")
		return
	}
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		params = r.PostForm
	}
	if name := repeatedParameter(params, "id_token_hint", "post_logout_redirect_uri", "state", "client_id"); name != "" {
		p.showLogoutError(w, "The request has more than one "+name+".")
		return
	}

	// §2: the provider must check that it issued the id_token_hint, so
	// that no one can pass off a token of their own making.
	hint := params.Get("id_token_hint")
	if hint != "" && !p.grants.issuedIDToken(hint, p.now()) {
		p.showLogoutError(w, "The id_token_hint is not an ID token this provider issued.")
		return
	}
	clientID := params.Get("client_id")
	if clientID != "" && clientID != p.cfg.ClientID {
		p.showLogoutError(w, fmt.Sprintf("The client_id %q is not the one this provider knows (%q).", clientID, p.cfg.ClientID))
		return
	}

	target := params.Get("post_logout_redirect_uri")
	switch {
	case target == "":
		p.render(w, http.StatusOK, "logged-out", nil)
		return
	// §3: the URI must equal a registered one exactly, or this endpoint
	// would redirect anyone anywhere.
	case p.cfg.PostLogoutRedirectURL == "":
		p.showLogoutError(w, "No post_logout_redirect_uri is registered for this client.")
		return
	case target != p.cfg.PostLogoutRedirectURL:
		p.showLogoutError(w, fmt.Sprintf("The post_logout_redirect_uri %q is not the one registered for this client (%q).", target, p.cfg.PostLogoutRedirectURL))
		return
	// §3: without id_token_hint or client_id, nothing says which client
	// asked, and so whether the URI is that client's.
	case hint == "" && clientID == "":
		p.showLogoutError(w, "A post_logout_redirect_uri needs an id_token_hint or a client_id to say which client it belongs to.")
		return
	}

	// The URL is checked and absolute, since New would not have taken it
	// otherwise.
	back, _ := url.Parse(target)
	if state := params.Get("state"); state != "" {
		// §3: state goes back unchanged, for the client to match it with
		// its request. The URI's own query is kept as it is.
		if back.RawQuery != "" {
			back.RawQuery += "&"
		}
		back.RawQuery += url.Values{"state": {state}}.Encode()
	}
	http.Redirect(w, r, back.String(), http.StatusSeeOther)
}

// showLogoutError shows a page saying why a logout cannot lead back to the
// client. Nothing is sent to the client.
func (p *Provider) showLogoutError(w http.ResponseWriter, problem string) {
	p.render(w, http.StatusBadRequest, "error", errorPage{"This logout cannot continue", problem})
}
