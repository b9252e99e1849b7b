package oauthtest_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

func TestTokenResponse(t *testing.T) {
	s := start(t, config())
	code := authorizeCode(t, s, authorizeParams())

	r := postToken(t, s, tokenForm(code))

	if r.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	for header, want := range map[string]string{
		"Content-Type":  "application/json",
		"Cache-Control": "no-store", // RFC 6749 §5.1
		"Pragma":        "no-cache",
	} {
		if got := r.header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	var token struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	decodeJSON(t, r.body, &token)
	if len(token.AccessToken) != 43 || token.TokenType != "Bearer" || token.ExpiresIn != 3600 || token.Scope != "read:user" {
		t.Errorf("token response = %+v, want a 43-character token, Bearer, 3600 s, scope read:user", token)
	}
}

// RFC 6749 §2.3.1: with HTTP Basic, the client ID and secret are each
// form-urlencoded first, so that a colon in the ID cannot be mistaken for
// the separator.
func TestClientAuthentication(t *testing.T) {
	const (
		id     = "a:b"
		secret = "p+q%/:x"
	)
	basic := func(user, password string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	escapedBasic := basic(url.QueryEscape(id), url.QueryEscape(secret))
	tests := []struct {
		name          string
		authorization string
		body          url.Values // client parameters added to the token request
		wantStatus    int
	}{
		{"basic, escaped", escapedBasic, nil, http.StatusOK},
		{"basic, raw", basic(id, secret), nil, http.StatusUnauthorized},
		{"basic with client_id in the body", escapedBasic, url.Values{"client_id": {id}}, http.StatusOK},
		{"basic with another client_id in the body", escapedBasic, url.Values{"client_id": {"other"}}, http.StatusUnauthorized},
		{"basic, wrong secret", basic(url.QueryEscape(id), "wrong"), nil, http.StatusUnauthorized},
		{"basic, wrong id", basic("other", url.QueryEscape(secret)), nil, http.StatusUnauthorized},
		{"basic, secret prefix", basic(url.QueryEscape(id), url.QueryEscape(secret[:4])), nil, http.StatusUnauthorized},
		{"not basic", "Bearer " + secret, nil, http.StatusUnauthorized},
		{"post", "", url.Values{"client_id": {id}, "client_secret": {secret}}, http.StatusOK},
		{"post, wrong secret", "", url.Values{"client_id": {id}, "client_secret": {"wrong"}}, http.StatusUnauthorized},
		{"post, no client_id", "", url.Values{"client_secret": {secret}}, http.StatusUnauthorized},
		{"both methods", escapedBasic, url.Values{"client_id": {id}, "client_secret": {secret}}, http.StatusUnauthorized},
		{"neither method", "", url.Values{"client_id": {id}}, http.StatusUnauthorized},
	}
	cfg := config()
	cfg.ClientID, cfg.ClientSecret = id, secret
	s := start(t, cfg)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := authorizeParams()
			params.Set("client_id", id)
			form := url.Values{
				"grant_type":    {"authorization_code"},
				"code":          {authorizeCode(t, s, params)},
				"redirect_uri":  {redirectURL},
				"code_verifier": {verifier},
			}
			for key, values := range tt.body {
				form[key] = values
			}
			req := formRequest(t, s.TokenURL(), form)
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}

			r := do(t, s.HTTP.Client(), req)

			if tt.wantStatus == http.StatusOK {
				if r.status != http.StatusOK {
					t.Errorf("status = %d, want 200; body %s", r.status, r.body)
				}
				return
			}
			checkError(t, r, http.StatusUnauthorized, "invalid_client")
			if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic ") {
				t.Errorf("WWW-Authenticate = %q, want a Basic challenge", got)
			}
		})
	}
}

func TestTokenRequestIsChecked(t *testing.T) {
	// tokenCall is a token request about to be sent.
	type tokenCall struct {
		form        url.Values
		contentType string
		query       string
		body        string // sent instead of form when set
	}
	tests := []struct {
		name      string
		change    func(*tokenCall)
		wantError string
	}{
		{"JSON body", func(c *tokenCall) { c.contentType = "application/json" }, "invalid_request"},
		{"body not a form", func(c *tokenCall) { c.body = "code=%zz" }, "invalid_request"},
		{"body too large", func(c *tokenCall) { c.body = c.form.Encode() + "&pad=" + strings.Repeat("x", 64<<10) }, "invalid_request"},
		{"secret in the query", func(c *tokenCall) { c.query = "client_secret=" + clientSecret }, "invalid_request"},
		{"no grant_type", func(c *tokenCall) { c.form.Del("grant_type") }, "invalid_request"},
		{"password grant", func(c *tokenCall) { c.form.Set("grant_type", "password") }, "unsupported_grant_type"},
		{"no code", func(c *tokenCall) { c.form.Del("code") }, "invalid_request"},
		{"unknown code", func(c *tokenCall) { c.form.Set("code", strings.Repeat("A", 43)) }, "invalid_grant"},
		{"repeated code", func(c *tokenCall) { c.form.Add("code", c.form.Get("code")) }, "invalid_request"},
		{"no redirect_uri", func(c *tokenCall) { c.form.Del("redirect_uri") }, "invalid_request"},
		{"other redirect_uri", func(c *tokenCall) { c.form.Set("redirect_uri", "https://app.test/callback") }, "invalid_grant"},
		{"no verifier", func(c *tokenCall) { c.form.Del("code_verifier") }, "invalid_grant"},
		{"wrong verifier", func(c *tokenCall) { c.form.Set("code_verifier", strings.Repeat("v", 43)) }, "invalid_grant"},
		{"the challenge as verifier", func(c *tokenCall) { c.form.Set("code_verifier", challenge) }, "invalid_grant"},
		{"verifier too short", func(c *tokenCall) { c.form.Set("code_verifier", verifier[:42]) }, "invalid_request"},
		{"verifier too long", func(c *tokenCall) { c.form.Set("code_verifier", strings.Repeat("v", 129)) }, "invalid_request"},
		{"verifier not unreserved", func(c *tokenCall) { c.form.Set("code_verifier", verifier[:42]+"+") }, "invalid_request"},
	}
	s := start(t, config())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := tokenCall{
				form:        tokenForm(authorizeCode(t, s, authorizeParams())),
				contentType: "application/x-www-form-urlencoded",
			}
			tt.change(&call)
			req := formRequest(t, s.TokenURL(), call.form)
			if call.body != "" {
				req = formRequest(t, s.TokenURL(), nil)
				req.Body, req.ContentLength = io.NopCloser(strings.NewReader(call.body)), int64(len(call.body))
			}
			req.Header.Set("Content-Type", call.contentType)
			req.URL.RawQuery = call.query

			checkError(t, do(t, s.HTTP.Client(), req), http.StatusBadRequest, tt.wantError)
		})
	}
}

func TestVerifiersAreAcceptedAtEitherLengthLimit(t *testing.T) {
	s := start(t, config())
	for _, v := range []string{strings.Repeat("a", 43), strings.Repeat("~", 128)} {
		params := authorizeParams()
		params.Set("code_challenge", s256(v))
		form := tokenForm(authorizeCode(t, s, params))
		form.Set("code_verifier", v)
		if r := postToken(t, s, form); r.status != http.StatusOK {
			t.Errorf("verifier of %d characters: status = %d, body %s", len(v), r.status, r.body)
		}
	}
}

// RFC 9700 §4.8.2: a verifier for a code issued without a challenge means
// someone removed the challenge from the authorization request.
func TestVerifierWithoutChallengeIsRefused(t *testing.T) {
	s := start(t, config())
	params := authorizeParams()
	params.Del("code_challenge")
	params.Del("code_challenge_method")

	r := postToken(t, s, tokenForm(authorizeCode(t, s, params)))

	checkError(t, r, http.StatusBadRequest, "invalid_grant")
}

func TestCodeReplayRevokesItsTokens(t *testing.T) {
	s := start(t, config())
	code := authorizeCode(t, s, authorizeParams())
	token := exchange(t, s, code)
	other := signIn(t, s)

	checkError(t, postToken(t, s, tokenForm(code)), http.StatusBadRequest, "invalid_grant")

	r := getUser(t, s, s.UserURL(), "Bearer "+token)
	if r.status != http.StatusUnauthorized {
		t.Errorf("the token from the replayed code: status = %d, want 401", r.status)
	}
	if r := getUser(t, s, s.UserURL(), "Bearer "+other); r.status != http.StatusOK {
		t.Errorf("a token from another code: status = %d, want 200", r.status)
	}
	// Every later replay fails too.
	checkError(t, postToken(t, s, tokenForm(code)), http.StatusBadRequest, "invalid_grant")
}

// Whoever holds a stolen code gets one guess at the verifier.
func TestFailedExchangeSpendsTheCode(t *testing.T) {
	s := start(t, config())
	code := authorizeCode(t, s, authorizeParams())
	wrong := tokenForm(code)
	wrong.Set("code_verifier", strings.Repeat("v", 43))
	checkError(t, postToken(t, s, wrong), http.StatusBadRequest, "invalid_grant")

	checkError(t, postToken(t, s, tokenForm(code)), http.StatusBadRequest, "invalid_grant")
}

func TestCodeExpiresAfterOneMinute(t *testing.T) {
	clock := newFakeClock()
	cfg := config()
	cfg.Now = clock.Now
	s := start(t, cfg)

	fresh := authorizeCode(t, s, authorizeParams())
	clock.Advance(time.Minute - time.Second)
	exchange(t, s, fresh)

	stale := authorizeCode(t, s, authorizeParams())
	clock.Advance(time.Minute)
	checkError(t, postToken(t, s, tokenForm(stale)), http.StatusBadRequest, "invalid_grant")
}

func TestTokenRequestsAreRecorded(t *testing.T) {
	s := start(t, config())
	code := authorizeCode(t, s, authorizeParams())
	refused := tokenForm(code)
	refused.Set("grant_type", "password")
	postToken(t, s, refused)
	exchange(t, s, code)
	s.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenServerError})
	postToken(t, s, tokenForm(code))

	if got := s.TokenCalls(); got != 3 {
		t.Errorf("TokenCalls() = %d, want 3", got)
	}
	requests := s.TokenRequests()
	if len(requests) != 3 {
		t.Fatalf("TokenRequests() has %d requests, want 3", len(requests))
	}
	first := requests[0]
	if first.Method != http.MethodPost || first.Form.Get("grant_type") != "password" || first.Form.Get("code_verifier") != verifier ||
		first.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || first.RawQuery != "" {
		t.Errorf("first recorded request = %+v", first)
	}

	// What a caller does to the answer does not change the record.
	first.Form.Set("grant_type", "changed")
	first.Header.Set("Content-Type", "changed")
	if again := s.TokenRequests()[0]; again.Form.Get("grant_type") != "password" || again.Header.Get("Content-Type") == "changed" {
		t.Error("changing a returned RecordedRequest changed the provider's record")
	}
}

func TestRecordingKeepsTheLatestRequests(t *testing.T) {
	s := start(t, config())
	for i := range 101 {
		postToken(t, s, url.Values{"i": {strings.Repeat("x", i)}})
	}

	requests := s.TokenRequests()
	if s.TokenCalls() != 101 || len(requests) != 100 {
		t.Fatalf("TokenCalls() = %d and %d requests kept, want 101 and 100", s.TokenCalls(), len(requests))
	}
	if first, last := len(requests[0].Form.Get("i")), len(requests[99].Form.Get("i")); first != 1 || last != 100 {
		t.Errorf("kept requests %d to %d, want 1 to 100", first, last)
	}
}
