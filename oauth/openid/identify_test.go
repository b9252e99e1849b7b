package openid

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oidc"
)

// TestUserinfoEmailNeverBecomesUsername: userinfo may fill in a missing
// user name only from a name field. Its e-mail address is not verified,
// and a user who typed ceo@corp.example there must not appear under that
// name, nor with that address.
func TestUserinfoEmailNeverBecomesUsername(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"sub":"248289761001","email":"ceo@corp.example","name":"Mallory"}`)
	}))
	t.Cleanup(srv.Close)
	id := identifier{
		// A verified ID token that names nobody but the subject.
		verify: func(context.Context, string, string) (*oidc.Claims, error) {
			return &oidc.Claims{Issuer: "https://issuer.example", Subject: "248289761001"}, nil
		},
		userinfo: true,
	}
	c := oauth.NewClient(oauth.Config{UserURL: srv.URL + "/userinfo"}, nil)
	u, err := id.Identify(context.Background(), c, &oauth.Token{AccessToken: "t", IDToken: "x.y.z"}, "")
	if err != nil {
		t.Fatal(err)
	}
	want := oauth.User{Issuer: "https://issuer.example", Subject: "248289761001", Username: "248289761001", Name: "Mallory"}
	if u != want {
		t.Errorf("user %+v; want %+v: the subject as user name, no e-mail address, the name from userinfo", u, want)
	}
}

// TestUsernameStandIns: without a preferred_username, the user name is the
// verified e-mail address, or else the subject; an address the provider
// has not verified is neither the user name nor the user's address.
func TestUsernameStandIns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		claims oidc.Claims
		want   oauth.User
	}{
		{"a verified address", oidc.Claims{Subject: "s1", Email: "ada@example.test", EmailVerified: true},
			oauth.User{Subject: "s1", Username: "ada@example.test", Email: "ada@example.test"}},
		{"an address not verified", oidc.Claims{Subject: "s1", Email: "ceo@corp.example"},
			oauth.User{Subject: "s1", Username: "s1"}},
		{"a preferred_username", oidc.Claims{Subject: "s1", PreferredUsername: "ada", Email: "ada@example.test", EmailVerified: true},
			oauth.User{Subject: "s1", Username: "ada", Email: "ada@example.test"}},
	}
	for _, tt := range tests {
		id := identifier{verify: func(context.Context, string, string) (*oidc.Claims, error) { return &tt.claims, nil }}
		u, err := id.Identify(context.Background(), oauth.NewClient(oauth.Config{}, nil), &oauth.Token{IDToken: "x.y.z"}, "")
		if err != nil || u != tt.want {
			t.Errorf("%s: user %+v, %v; want %+v", tt.name, u, err, tt.want)
		}
	}
}
