package tokens

// A stand-in provider for this package's tests: an authorization endpoint
// that approves at once, a token endpoint with refresh token rotation and
// reuse detection (a spent refresh token revokes its grant, as GitLab,
// Auth0 and oidc-provider do), a user endpoint, and a revocation
// endpoint. It records every refresh token it is sent.

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const (
	stubClientID     = "tokens-test-client"
	stubClientSecret = "tokens-test-secret"
)

// stubGrant is one login's grant: the refresh token that is current, and
// whether reuse or revocation ended it.
type stubGrant struct {
	user    string
	refresh string
	ended   bool
}

type stubProvider struct {
	srv      *httptest.Server
	lifetime int // expires_in of every access token, in seconds

	mu        sync.Mutex
	user      string                // who the next login is
	logins    int                   // authorization requests
	codes     map[string]string     // code → user
	grants    map[string]*stubGrant // current refresh token → grant
	spent     map[string]*stubGrant // used refresh token → grant
	access    map[string]string     // access token → user
	sent      []string              // every refresh token received, in order
	reuses    int                   // spent refresh tokens received
	down      bool                  // the token endpoint answers 503 to refreshes
	idToken   string                // id_token to add to refresh answers, if not ""
	revokeErr bool                  // the revocation endpoint answers 503
	revoked   []url.Values          // the revocation requests
	revokedCh chan struct{}         // gets a value for each revocation request
}

func newStubProvider(t *testing.T, lifetime int) *stubProvider {
	p := &stubProvider{
		lifetime:  lifetime,
		user:      "ada",
		codes:     make(map[string]string),
		grants:    make(map[string]*stubGrant),
		spent:     make(map[string]*stubGrant),
		access:    make(map[string]string),
		revokedCh: make(chan struct{}, 100),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /user", p.profile)
	mux.HandleFunc("POST /revoke", p.revoke)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *stubProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.logins++
	code := rand.Text()
	p.codes[code] = p.user
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusSeeOther)
}

func (p *stubProvider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if r.PostForm.Get("client_id") != stubClientID || r.PostForm.Get("client_secret") != stubClientSecret {
		stubError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var user, idToken string
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		var ok bool
		user, ok = p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		if !ok {
			stubError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		p.grants[""] = &stubGrant{user: user} // filled in below
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		p.sent = append(p.sent, rt)
		if p.down {
			stubError(w, http.StatusServiceUnavailable, "temporarily_unavailable")
			return
		}
		if g, ok := p.spent[rt]; ok {
			// Reuse: the grant is revoked, its newest refresh token too.
			p.reuses++
			g.ended = true
			delete(p.grants, g.refresh)
			stubError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		g, ok := p.grants[rt]
		if !ok || g.ended {
			stubError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		delete(p.grants, rt)
		p.spent[rt] = g
		p.grants[""] = g
		user, idToken = g.user, p.idToken
	default:
		stubError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	g := p.grants[""]
	delete(p.grants, "")
	g.refresh = "RT-" + rand.Text()
	p.grants[g.refresh] = g
	at := "AT-" + rand.Text()
	p.access[at] = user
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": p.lifetime,
		"refresh_token": g.refresh, "scope": "read", "id_token": idToken,
	})
}

func stubError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func (p *stubProvider) profile(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	user, ok := p.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	p.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"id": 7, "login": user, "name": user})
}

func (p *stubProvider) revoke(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	p.revoked = append(p.revoked, r.PostForm)
	fail := p.revokeErr
	if g, ok := p.grants[r.PostForm.Get("token")]; ok && !fail {
		g.ended = true
	}
	p.mu.Unlock()
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	p.revokedCh <- struct{}{}
}

// refreshTokensSent returns every refresh token the provider received, and
// how many of them were spent already.
func (p *stubProvider) refreshTokensSent() (sent []string, reuses int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...), p.reuses
}

// endGrants ends every grant, as a provider does when the person revokes
// the application's access.
func (p *stubProvider) endGrants() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.grants {
		g.ended = true
	}
}

func (p *stubProvider) set(f func(p *stubProvider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}
