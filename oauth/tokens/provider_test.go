package tokens

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"oauthlogin/oauth"
)

// tokenEndpoint is a provider's token and revocation endpoints that
// record the forms they get and answer as told.
type tokenEndpoint struct {
	mu     sync.Mutex
	forms  []url.Values
	basic  []string
	status int
	body   string
}

func newTokenEndpoint(t *testing.T, status int, body string) (*tokenEndpoint, *httptest.Server) {
	e := &tokenEndpoint{status: status, body: body}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		user, _, _ := r.BasicAuth()
		e.mu.Lock()
		defer e.mu.Unlock()
		e.forms, e.basic = append(e.forms, form), append(e.basic, user)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(e.status)
		io.WriteString(w, e.body)
	}))
	t.Cleanup(srv.Close)
	return e, srv
}

// TestIssue22_RefreshSendsTheRefreshTokenOnce: a refresh is one form POST
// to the token endpoint with grant_type=refresh_token, the token and the
// client's credentials (RFC 6749 §6), as the Config says; an error answer
// is a *oauth.ProviderError, and it is not tried again.
func TestIssue22_RefreshSendsTheRefreshTokenOnce(t *testing.T) {
	for _, method := range []string{oauth.AuthMethodPost, oauth.AuthMethodBasic} {
		e, srv := newTokenEndpoint(t, http.StatusOK,
			`{"access_token":"new","token_type":"Bearer","refresh_token":"rotated","expires_in":60}`)
		c := oauth.NewClient(oauth.Config{ClientID: "id", ClientSecret: "s:e%c", TokenURL: srv.URL, AuthMethod: method}, nil)
		tok, err := refreshAccessToken(context.Background(), c, "old")
		if err != nil || tok.AccessToken != "new" || tok.RefreshToken != "rotated" || tok.ExpiresIn != 60 {
			t.Fatalf("%s: refresh = %+v, %v", method, tok, err)
		}
		f := e.forms[0]
		if len(e.forms) != 1 || f.Get("grant_type") != "refresh_token" || f.Get("refresh_token") != "old" {
			t.Errorf("%s: requests %v", method, e.forms)
		}
		if method == oauth.AuthMethodPost && (f.Get("client_id") != "id" || f.Get("client_secret") != "s:e%c" || e.basic[0] != "") {
			t.Errorf("client_secret_post: form %v, basic %q", f, e.basic[0])
		}
		if method == oauth.AuthMethodBasic && (f.Has("client_secret") || e.basic[0] != "id") {
			t.Errorf("client_secret_basic: form %v, basic %q", f, e.basic[0])
		}
	}
	e, srv := newTokenEndpoint(t, http.StatusBadRequest, `{"error":"invalid_grant"}`)
	c := oauth.NewClient(oauth.Config{ClientID: "id", ClientSecret: "s", TokenURL: srv.URL}, nil)
	_, err := refreshAccessToken(context.Background(), c, "spent-refresh-token")
	var perr *oauth.ProviderError
	if !errors.As(err, &perr) || perr.Code != "invalid_grant" {
		t.Fatalf("refresh with a refused token: %v, want a ProviderError invalid_grant", err)
	}
	if len(e.forms) != 1 {
		t.Errorf("%d requests; a refresh is never tried again", len(e.forms))
	}
	if strings.Contains(err.Error(), "spent-refresh-token") {
		t.Errorf("the error shows the token: %v", err)
	}
}

// TestIssue22_RevokeSendsTheTokenWithItsHint: a revocation (RFC 7009 §2.1)
// is a form POST of the token and its type hint with the client's
// credentials; anything but 200 is an error.
func TestIssue22_RevokeSendsTheTokenWithItsHint(t *testing.T) {
	e, srv := newTokenEndpoint(t, http.StatusOK, "")
	c := oauth.NewClient(oauth.Config{ClientID: "id", ClientSecret: "s"}, nil)
	if err := revokeToken(context.Background(), c, srv.URL+"/revoke", "kept-refresh-token", "refresh_token"); err != nil {
		t.Fatal(err)
	}
	f := e.forms[0]
	if f.Get("token") != "kept-refresh-token" || f.Get("token_type_hint") != "refresh_token" ||
		f.Get("client_id") != "id" || f.Get("client_secret") != "s" {
		t.Errorf("revocation request %v", f)
	}
	e.status = http.StatusServiceUnavailable
	err := revokeToken(context.Background(), c, srv.URL+"/revoke", "kept-refresh-token", "refresh_token")
	if err == nil || !errors.Is(err, oauth.ErrUnexpectedResponse) || strings.Contains(err.Error(), "kept-refresh-token") {
		t.Errorf("revocation answered 503: %v, want an error without the token", err)
	}
}
