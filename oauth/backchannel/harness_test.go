package backchannel

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oidc"
	"oauthlogin/session"
)

const (
	testIssuer   = "https://provider.example"
	testClientID = "app"
)

// harness is the layer on an indexed file store, with a provider whose
// signing key the test holds and whose key set is served on loopback.
type harness struct {
	t      *testing.T
	key    ed25519.PrivateKey
	now    time.Time
	store  *session.IndexedFileStore
	mgr    *session.Manager
	layer  *Layer
	routes http.Handler
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, key: key, now: time.Now()}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{
			"kty": "OKP", "crv": "Ed25519", "kid": "k1", "alg": "EdDSA", "use": "sig",
			"x": base64.RawURLEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		}}})
	}))
	t.Cleanup(jwks.Close)
	clock := func() time.Time { return h.now }
	verifier := oidc.NewVerifier(oidc.NewKeySet(jwks.Client(), jwks.URL+"/jwks", clock),
		oidc.Config{Issuer: testIssuer, ClientID: testClientID, Now: clock})

	dir := t.TempDir()
	files, err := session.NewFileStore(filepath.Join(dir, "sessions"), []byte("file-name key for tests, 32 byte"), clock)
	if err != nil {
		t.Fatal(err)
	}
	if h.store, err = session.NewIndexedFileStore(files); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	if h.mgr, err = session.NewManager(h.store, session.Options{HashKey: []byte("log key"), Now: clock, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if h.layer, err = New(Options{Sessions: h.store, Verify: verifier.VerifyLogoutToken, Logger: quiet, Now: clock}); err != nil {
		t.Fatal(err)
	}
	login := oauth.NewLogin(oauth.NewClient(oauth.Config{ClientID: testClientID}, nil),
		func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { http.Error(w, f.Title, f.Status) },
		oauth.LoginOptions{Logger: quiet})
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ReceivePath, h.layer.Receive)
	mux.Handle("POST "+EverywherePath, h.mgr.Middleware(login.Require(http.HandlerFunc(h.layer.Everywhere))))
	h.routes = mux
	return h
}

// login makes a logged-in session for subject, with sid in its ID token
// when sid is not "", filed by OnLogin as the login does, and returns the
// session ID.
func (h *harness) login(subject, sid string) string {
	h.t.Helper()
	claims := map[string]any{"iss": testIssuer, "sub": subject}
	if sid != "" {
		claims["sid"] = sid
	}
	tok := &oauth.Token{IDToken: h.sign(map[string]any{"alg": "EdDSA", "kid": "k1"}, claims)}
	u := oauth.User{Issuer: testIssuer, Subject: subject, Username: subject}
	rec := httptest.NewRecorder()
	h.mgr.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		err := session.FromRequest(r).Renew(func(v *session.Values) error {
			if err := v.Put("user", u); err != nil {
				return err
			}
			return h.layer.OnLogin(v, tok, u)
		})
		if err != nil {
			h.t.Fatal(err)
		}
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	return rec.Result().Cookies()[0].Value
}

func (h *harness) alive(id string) bool {
	h.t.Helper()
	_, found, err := h.store.Load(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return found
}

// sign makes a compact JWS of header and claims with the provider's key.
func (h *harness) sign(header, claims map[string]any) string {
	h.t.Helper()
	return signWith(h.t, h.key, header, claims)
}

func signWith(t *testing.T, key ed25519.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	hb, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(input)))
}

// logoutClaims are the claims of a good logout token for subject and sid
// ("" leaves one out).
func (h *harness) logoutClaims(subject, sid string) map[string]any {
	c := map[string]any{
		"iss": testIssuer, "aud": testClientID, "iat": h.now.Unix(), "exp": h.now.Add(2 * time.Minute).Unix(),
		"jti":    base64.RawURLEncoding.EncodeToString([]byte(h.now.String() + subject + sid)),
		"events": map[string]any{oidc.BackchannelLogoutEvent: map[string]any{}},
	}
	if subject != "" {
		c["sub"] = subject
	}
	if sid != "" {
		c["sid"] = sid
	}
	return c
}

func logoutHeader() map[string]any {
	return map[string]any{"alg": "EdDSA", "kid": "k1", "typ": "logout+jwt"}
}

// post sends a form to path and returns the response.
func (h *harness) post(path string, form url.Values, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: h.mgr.CookieName(), Value: cookie})
	}
	rec := httptest.NewRecorder()
	h.routes.ServeHTTP(rec, req.WithContext(context.Background()))
	return rec
}

func (h *harness) sendLogout(token string) *httptest.ResponseRecorder {
	return h.post(ReceivePath, url.Values{"logout_token": {token}}, "")
}
