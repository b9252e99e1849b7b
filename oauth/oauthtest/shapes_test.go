package oauthtest_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

// gitHubConfig is a valid configuration in GitHub's shape that approves
// every request as user.
func gitHubConfig(user string) oauthtest.Config {
	cfg := config()
	cfg.Shape = oauthtest.ShapeGitHub
	cfg.AutoApprove = user
	return cfg
}

// gitHubParams is authorizeParams asking for GitHub's scopes.
func gitHubParams() url.Values {
	params := authorizeParams()
	params.Set("scope", "read:user user:email")
	return params
}

// postTokenAccepting sends a token request with the given Accept header,
// none if it is empty.
func postTokenAccepting(t *testing.T, s *oauthtest.Server, form url.Values, accept string) response {
	t.Helper()
	req := formRequest(t, s.TokenURL(), form)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return do(t, s.HTTP.Client(), req)
}

// tokenFields returns the token response r as a map, from whichever format
// it is in, and the format's media type.
func tokenFields(t *testing.T, r response) (map[string]string, string) {
	t.Helper()
	fields := map[string]string{}
	switch mediaType := r.header.Get("Content-Type"); mediaType {
	case "application/json":
		var body map[string]any
		decodeJSON(t, r.body, &body)
		for key, value := range body {
			s, ok := value.(string)
			if !ok {
				t.Errorf("%s = %v, want a string", key, value)
			}
			fields[key] = s
		}
		return fields, mediaType
	case "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(r.body)
		if err != nil {
			t.Fatal(err)
		}
		for key := range values {
			fields[key] = values.Get(key)
		}
		return fields, mediaType
	default:
		t.Fatalf("Content-Type = %q; body %s", mediaType, r.body)
		return nil, ""
	}
}

func TestGitHubTokenFormatFollowsAccept(t *testing.T) {
	tests := []struct {
		accept string
		want   string
	}{
		{"", "application/x-www-form-urlencoded"},
		{"*/*", "application/x-www-form-urlencoded"},
		{"application/vnd.github+json", "application/x-www-form-urlencoded"},
		{"application/json", "application/json"},
		{"text/html, Application/JSON;q=0.9", "application/json"},
	}
	s := start(t, gitHubConfig("alice"))
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			r := postTokenAccepting(t, s, tokenForm(authorizeCode(t, s, gitHubParams())), tt.accept)

			if r.status != http.StatusOK {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			fields, mediaType := tokenFields(t, r)
			if mediaType != tt.want {
				t.Errorf("Content-Type = %q, want %q", mediaType, tt.want)
			}
			// GitHub's fields: a lower-case type, scopes joined by commas,
			// no expiry.
			if len(fields) != 3 || fields["access_token"] == "" || fields["token_type"] != "bearer" || fields["scope"] != "read:user,user:email" {
				t.Errorf("token response = %v", fields)
			}
			if r := getUserAs(t, s, "/user", fields["access_token"], "test-agent"); r.status != http.StatusOK {
				t.Errorf("the access token does not work: status %d", r.status)
			}
		})
	}
}

func TestGitHubTokenErrorsComeWith200(t *testing.T) {
	clock := newFakeClock()
	cfg := gitHubConfig("alice")
	cfg.Now = clock.Now
	s := start(t, cfg)
	used := authorizeCode(t, s, gitHubParams())
	exchange(t, s, used)
	expired := authorizeCode(t, s, gitHubParams())
	clock.Advance(time.Minute)

	// withFresh returns a token request for a new code, changed by change.
	withFresh := func(change func(url.Values)) func() url.Values {
		return func() url.Values {
			form := tokenForm(authorizeCode(t, s, gitHubParams()))
			change(form)
			return form
		}
	}
	tests := []struct {
		name string
		form func() url.Values
		want string
	}{
		{"unknown code", func() url.Values { return tokenForm("unknown") }, "bad_verification_code"},
		{"used code", func() url.Values { return tokenForm(used) }, "bad_verification_code"},
		{"expired code", func() url.Values { return tokenForm(expired) }, "bad_verification_code"},
		{"wrong verifier", withFresh(func(f url.Values) { f.Set("code_verifier", strings.Repeat("v", 43)) }), "bad_verification_code"},
		{"wrong secret", withFresh(func(f url.Values) { f.Set("client_secret", "wrong") }), "incorrect_client_credentials"},
		{"other redirect URI", withFresh(func(f url.Values) { f.Set("redirect_uri", "https://app.test/other") }), "redirect_uri_mismatch"},
		// Errors GitHub names no code for keep the RFC's, with status 200.
		{"password grant", withFresh(func(f url.Values) { f.Set("grant_type", "password") }), "unsupported_grant_type"},
	}
	for _, tt := range tests {
		for _, accept := range []string{"", "application/json"} {
			t.Run(tt.name+" "+accept, func(t *testing.T) {
				r := postTokenAccepting(t, s, tt.form(), accept)

				fields, mediaType := tokenFields(t, r)
				if r.status != http.StatusOK || fields["error"] != tt.want || fields["error_description"] == "" || fields["access_token"] != "" {
					t.Errorf("status %d, fields %v; want 200 and error %s", r.status, fields, tt.want)
				}
				if wantJSON := accept != ""; (mediaType == "application/json") != wantJSON {
					t.Errorf("Content-Type = %q for Accept %q", mediaType, accept)
				}
				if r.header.Get("WWW-Authenticate") != "" {
					t.Error("a challenge with status 200")
				}
			})
		}
	}
}

// getUserAs calls path on s with a bearer token, unless it is empty, and
// the User-Agent header agent, none if it is empty.
func getUserAs(t *testing.T, s *oauthtest.Server, path, token, agent string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.HTTP.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// Go's client sends its own User-Agent unless it is set empty.
	req.Header.Set("User-Agent", agent)
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	return do(t, s.HTTP.Client(), req)
}

func TestGitHubUser(t *testing.T) {
	for user, email := range map[string]any{"alice": "alice@example.test", "private-ada": nil} {
		t.Run(user, func(t *testing.T) {
			s := start(t, gitHubConfig(user))
			r := getUserAs(t, s, "/user", signIn(t, s), "test-agent")

			var got map[string]any
			decodeJSON(t, r.body, &got)
			id, _ := got["id"].(float64)
			want := map[string]any{"id": id, "login": user, "name": strings.ToUpper(user[:1]) + user[1:] + " (dev)", "email": email}
			if !reflect.DeepEqual(got, want) || id < 1 {
				t.Errorf("user = %v, want %v", got, want)
			}
			if user == "private-ada" && !strings.Contains(r.body, `"email":null`) {
				t.Errorf("email is not null: %s", r.body)
			}
		})
	}
}

func TestGitHubEmails(t *testing.T) {
	for user, visibility := range map[string]string{"alice": "public", "private-ada": "private"} {
		t.Run(user, func(t *testing.T) {
			s := start(t, gitHubConfig(user))
			r := getUserAs(t, s, "/user/emails", signIn(t, s), "test-agent")

			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
			}
			var got []map[string]any
			decodeJSON(t, r.body, &got)
			want := []map[string]any{
				{"email": user + ".old@example.test", "primary": false, "verified": false, "visibility": nil},
				{"email": user + ".work@example.test", "primary": false, "verified": true, "visibility": nil},
				{"email": user + "@example.test", "primary": true, "verified": true, "visibility": visibility},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("emails =\n%v\nwant\n%v", got, want)
			}
			recorded := s.EmailsRequests()
			if s.EmailsCalls() != 1 || len(recorded) != 1 || recorded[0].Header.Get("X-GitHub-Api-Version") != "2022-11-28" {
				t.Errorf("EmailsCalls() = %d, EmailsRequests() = %+v", s.EmailsCalls(), recorded)
			}
		})
	}
}

func TestGitHubAPIWantsAUserAgent(t *testing.T) {
	s := start(t, gitHubConfig("alice"))
	token := signIn(t, s)
	for _, path := range []string{"/user", "/user/emails"} {
		if r := getUserAs(t, s, path, token, ""); r.status != http.StatusForbidden || !strings.Contains(r.body, "User-Agent") {
			t.Errorf("%s without User-Agent: status %d, body %q; want 403 naming the header", path, r.status, r.body)
		}
		if r := getUserAs(t, s, path, "", "test-agent"); r.status != http.StatusUnauthorized {
			t.Errorf("%s without a token: status %d, want 401", path, r.status)
		}
	}
	// Every request is recorded, with its API version.
	recorded := s.UserRequests()
	if s.UserCalls() != 2 || len(recorded) != 2 || recorded[0].Header.Get("X-GitHub-Api-Version") != "2022-11-28" || recorded[0].Header.Get("User-Agent") != "" {
		t.Errorf("UserCalls() = %d, UserRequests() = %+v", s.UserCalls(), recorded)
	}
	if s.EmailsCalls() != 2 {
		t.Errorf("EmailsCalls() = %d, want 2", s.EmailsCalls())
	}
}

// The emails endpoint is GitHub's, and the User-Agent rule too.
func TestEmailsAndUserAgentAreGitHubOnly(t *testing.T) {
	for _, shape := range []oauthtest.Shape{oauthtest.ShapeDefault, oauthtest.ShapeGitLab} {
		cfg := config()
		cfg.Shape = shape
		s := start(t, cfg)
		token := signIn(t, s)
		if r := getUserAs(t, s, "/user/emails", token, "test-agent"); r.status != http.StatusNotFound {
			t.Errorf("shape %d: /user/emails status %d, want 404", shape, r.status)
		}
		if r := getUserAs(t, s, "/user", token, ""); r.status != http.StatusOK {
			t.Errorf("shape %d: /user without User-Agent: status %d, want 200", shape, r.status)
		}
	}
}

func TestGitLabUser(t *testing.T) {
	cfg := config()
	cfg.Shape = oauthtest.ShapeGitLab
	cfg.AutoApprove = "private-bob" // only GitHub hides addresses
	s := start(t, cfg)
	code := authorizeCode(t, s, authorizeParams())

	// GitLab's token endpoint is a standard one: JSON whatever the Accept.
	r := postTokenAccepting(t, s, tokenForm(code), "")
	var token tokenBody
	decodeJSON(t, r.body, &token)
	if r.header.Get("Content-Type") != "application/json" || token.TokenType != "Bearer" || token.ExpiresIn != 3600 {
		t.Errorf("token response %s, Content-Type %q", r.body, r.header.Get("Content-Type"))
	}

	var got map[string]any
	getJSONWith(t, s, "/user", token.AccessToken, &got)
	id, _ := got["id"].(float64)
	want := map[string]any{"id": id, "username": "private-bob", "name": "Private-bob (dev)", "email": "private-bob@example.test", "state": "active"}
	if !reflect.DeepEqual(got, want) || id < 1 {
		t.Errorf("user = %v, want %v", got, want)
	}
}

// The ID is the same in every shape, so that an account keeps its identity
// whichever provider a test pretends to be.
func TestUserIDIsTheSameInEveryShape(t *testing.T) {
	var ids []float64
	for _, shape := range []oauthtest.Shape{oauthtest.ShapeDefault, oauthtest.ShapeGitHub, oauthtest.ShapeGitLab} {
		cfg := config()
		cfg.Shape = shape
		s := start(t, cfg)
		var got map[string]any
		decodeJSON(t, getUserAs(t, s, "/user", signIn(t, s), "test-agent").body, &got)
		id, _ := got["id"].(float64)
		ids = append(ids, id)
	}
	if ids[0] != ids[1] || ids[0] != ids[2] {
		t.Errorf("alice's IDs in the default, GitHub and GitLab shapes: %v", ids)
	}
}
