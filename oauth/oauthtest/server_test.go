package oauthtest_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

// TestSignInEndToEnd plays the app's part with a real HTTP client: the
// browser follows the provider's redirect to the app's callback, the app
// exchanges the code with PKCE and HTTP Basic, then fetches the user.
func TestSignInEndToEnd(t *testing.T) {
	callbacks := make(chan url.Values, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		callbacks <- r.URL.Query()
		w.Write([]byte("signed in"))
	}))
	defer app.Close()
	cfg := config()
	cfg.RedirectURL = app.URL + "/callback"
	s := start(t, cfg)

	params := authorizeParams()
	params.Set("redirect_uri", cfg.RedirectURL)
	browser := s.HTTP.Client()
	resp, err := browser.Get(s.AuthorizeURL() + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := <-callbacks
	if callback.Get("state") != "state-123" {
		t.Fatalf("callback = %v, want state-123", callback)
	}

	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {callback.Get("code")},
		"redirect_uri":  {cfg.RedirectURL},
		"code_verifier": {verifier},
	}
	req := formRequest(t, s.TokenURL(), form)
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	tokenResponse := do(t, http.DefaultClient, req)
	var token struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, tokenResponse.body, &token)

	r := getUser(t, s, s.UserURL(), "Bearer "+token.AccessToken)
	var user profile
	decodeJSON(t, r.body, &user)
	if user.Login != "alice" {
		t.Errorf("signed in as %q, want alice", user.Login)
	}
	if s.TokenCalls() != 1 || s.UserCalls() != 1 {
		t.Errorf("TokenCalls() = %d, UserCalls() = %d, want 1 and 1", s.TokenCalls(), s.UserCalls())
	}
}

func TestServerURLs(t *testing.T) {
	s := start(t, config())
	for got, want := range map[string]string{
		s.AuthorizeURL(): s.HTTP.URL + "/authorize",
		s.TokenURL():     s.HTTP.URL + "/token",
		s.UserURL():      s.HTTP.URL + "/user",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestTLSServer(t *testing.T) {
	s := oauthtest.NewTLSServer(config())
	defer s.Close()
	if !strings.HasPrefix(s.TokenURL(), "https://") {
		t.Fatalf("TokenURL() = %q, want https", s.TokenURL())
	}

	if token := signIn(t, s); token == "" {
		t.Error("no access token over TLS")
	}

	// An app under test can trust this one certificate and nothing else.
	roots := x509.NewCertPool()
	roots.AddCert(s.HTTP.Certificate())
	app := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	r := do(t, app, formRequest(t, s.TokenURL(), tokenForm("unknown")))
	checkError(t, r, http.StatusBadRequest, "invalid_grant")
}

func TestCloseEndsHangingRequests(t *testing.T) {
	s := oauthtest.NewServer(config())
	s.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenHang})
	// With Expect: 100-continue, the server says "100 Continue" once the
	// handler starts reading the body: the moment the provider has the
	// request in hand.
	handling := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(handling) }}
	req := formRequest(t, s.TokenURL(), tokenForm("code"))
	req.Header.Set("Expect", "100-continue")
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}} // no timeout: only Close can end the request
	answered := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	<-handling

	s.Close()

	if err := <-answered; err == nil {
		t.Error("a hanging request got an answer; want a broken connection")
	}
}
