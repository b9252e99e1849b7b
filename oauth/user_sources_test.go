package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// profileServer answers /user with profile and /emails with emails, as a
// GitHub-shaped provider does.
func profileServer(t *testing.T, profile, emails string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/user", "/userinfo":
			w.Write([]byte(profile))
		case "/emails":
			w.Write([]byte(emails))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// An address from the e-mail list is bounded like a profile field: a
// 70,000-character one fails the login instead of making a session record
// too large to load, which would start a new login on every page view.
func TestFetchUserBoundsTheEmailList(t *testing.T) {
	huge := strings.Repeat("a", 70_000) + "@example.test"
	srv := profileServer(t, `{"id":1,"login":"ada"}`,
		`[{"email":"`+huge+`","primary":true,"verified":true}]`)
	c := NewClient(Config{UserURL: srv.URL + "/user", EmailsURL: srv.URL + "/emails"}, nil)
	u, err := c.FetchUser(context.Background(), &Token{AccessToken: "t"})
	if !errors.Is(err, ErrUnexpectedResponse) {
		t.Fatalf("FetchUser = %+v, %v; want ErrUnexpectedResponse for a 70 KB address", u, err)
	}
}

// Without a login name, a plain OAuth2 profile shows its e-mail address,
// or at worst its id.
func TestFetchUserNameStandIns(t *testing.T) {
	for profile, want := range map[string]string{
		`{"id":7,"email":"ada@example.test"}`:  "ada@example.test",
		`{"id":7}`:                             "7",
		`{"id":7,"login":"ada","email":"x@y"}`: "ada",
	} {
		srv := profileServer(t, profile, "")
		c := NewClient(Config{UserURL: srv.URL + "/user"}, nil)
		u, err := c.FetchUser(context.Background(), &Token{AccessToken: "t"})
		if err != nil || u.Username != want {
			t.Errorf("profile %s: user %+v, %v; want user name %q", profile, u, err, want)
		}
	}
}
