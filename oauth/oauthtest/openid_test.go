package oauthtest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

// postLogoutURL is the post-logout redirect URL of openIDConfig. Like
// redirectURL, it has a query of its own, which must be kept.
const postLogoutURL = "https://app.test/logged-out?from=oauthtest"

// openIDConfig is a valid OpenID configuration that approves every request
// as alice. NewServer makes its URL the issuer.
func openIDConfig() oauthtest.Config {
	cfg := config()
	cfg.OpenID = true
	cfg.PostLogoutRedirectURL = postLogoutURL
	return cfg
}

// openIDParams is a valid authentication request: authorizeParams with the
// scope openid and a nonce.
func openIDParams() url.Values {
	params := authorizeParams()
	params.Set("scope", "openid profile email")
	params.Set("nonce", "nonce-456")
	return params
}

// tokenBody is a successful token response.
type tokenBody struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
	IDToken     string `json:"id_token"`
}

// tokenFor runs the flow against s, which must auto-approve, with the
// authorization request params, and returns the token response.
func tokenFor(t *testing.T, s *oauthtest.Server, params url.Values) tokenBody {
	t.Helper()
	r := postToken(t, s, tokenForm(authorizeCode(t, s, params)))
	if r.status != http.StatusOK {
		t.Fatalf("token status = %d, body %s", r.status, r.body)
	}
	var body tokenBody
	decodeJSON(t, r.body, &body)
	return body
}

// discoveryDocument is the discovery document as a client reads it.
type discoveryDocument struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
}

func TestDiscoveryDocument(t *testing.T) {
	s := start(t, openIDConfig())

	var got discoveryDocument
	getJSON(t, s, "/.well-known/openid-configuration", &got)

	base := s.HTTP.URL
	want := discoveryDocument{
		Issuer:                            base,
		AuthorizationEndpoint:             base + "/authorize",
		TokenEndpoint:                     base + "/token",
		UserinfoEndpoint:                  base + "/userinfo",
		JWKSURI:                           base + "/jwks",
		EndSessionEndpoint:                base + "/logout",
		RevocationEndpoint:                base + "/revoke",
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256", "PS256", "ES256", "EdDSA"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		ScopesSupported:                   []string{"openid", "profile", "email", "groups", "offline_access"},
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
			"preferred_username", "name", "email", "email_verified", "groups"},
		IssParameterSupported: true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("discovery document =\n%+v\nwant\n%+v", got, want)
	}
	// RFC 9207 §2: having said so, the provider sends iss, the issuer itself.
	if iss := clientResponse(t, getAuthorize(t, s, openIDParams())).Get("iss"); iss != got.Issuer {
		t.Errorf("the authorization response's iss = %q, want %q", iss, got.Issuer)
	}
}

func TestServersMakeTheirURLTheIssuer(t *testing.T) {
	for name, s := range map[string]*oauthtest.Server{
		"NewServer":    oauthtest.NewServer(openIDConfig()),
		"NewTLSServer": oauthtest.NewTLSServer(openIDConfig()),
	} {
		t.Cleanup(s.Close)
		var doc discoveryDocument
		getJSON(t, s, "/.well-known/openid-configuration", &doc)
		if doc.Issuer != s.HTTP.URL {
			t.Errorf("%s: issuer %q, want the server's URL %q", name, doc.Issuer, s.HTTP.URL)
		}
	}
}

func TestIssuerIsKeptWhenSet(t *testing.T) {
	cfg := openIDConfig()
	cfg.Issuer = "https://issuer.test/tenant/"
	s := start(t, cfg)

	var doc discoveryDocument
	getJSON(t, s, "/.well-known/openid-configuration", &doc)

	// The issuer is exactly the configured one; the endpoints below it get
	// no doubled slash.
	if doc.Issuer != cfg.Issuer || doc.TokenEndpoint != "https://issuer.test/tenant/token" {
		t.Errorf("issuer %q, token endpoint %q", doc.Issuer, doc.TokenEndpoint)
	}
}

// Served under a path prefix, the provider names endpoints under it, so a
// client that follows the discovery document reaches them.
func TestDiscoveryUnderAPathPrefix(t *testing.T) {
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	cfg := openIDConfig()
	cfg.Issuer = app.URL + "/dev/oauth"
	mux.Handle("/dev/oauth/", http.StripPrefix("/dev/oauth", oauthtest.New(cfg)))

	var doc discoveryDocument
	fetchJSON(t, app.URL+"/dev/oauth/.well-known/openid-configuration", &doc)
	if doc.Issuer != cfg.Issuer || doc.JWKSURI != cfg.Issuer+"/jwks" {
		t.Fatalf("issuer %q, jwks_uri %q, want both under %q", doc.Issuer, doc.JWKSURI, cfg.Issuer)
	}
	var set struct {
		Keys []testJWK `json:"keys"`
	}
	fetchJSON(t, doc.JWKSURI, &set)
	if len(set.Keys) != 4 {
		t.Errorf("jwks_uri gave %d keys, want 4", len(set.Keys))
	}
}

func TestOpenIDEndpointsNeedOpenID(t *testing.T) {
	s := start(t, config())
	for _, path := range []string{"/.well-known/openid-configuration", "/jwks", "/userinfo", "/logout"} {
		if r := getUser(t, s, s.HTTP.URL+path, ""); r.status != http.StatusNotFound {
			t.Errorf("GET %s without OpenID: status %d, want 404", path, r.status)
		}
	}
}

func TestIDTokenOnlyForTheScopeOpenID(t *testing.T) {
	tests := []struct {
		name   string
		openID bool
		scope  string
		want   bool
	}{
		{"openid", true, "openid", true},
		{"openid among others", true, "profile openid email", true},
		{"no openid", true, "profile email", false},
		{"openid as part of a word", true, "openidx", false},
		{"plain OAuth provider", false, "openid", false},
	}
	servers := map[bool]*oauthtest.Server{true: start(t, openIDConfig()), false: start(t, config())}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := openIDParams()
			params.Set("scope", tt.scope)

			got := tokenFor(t, servers[tt.openID], params)

			if (got.IDToken != "") != tt.want {
				t.Errorf("id_token = %q, want one: %t", got.IDToken, tt.want)
			}
			if got.AccessToken == "" || got.TokenType != "Bearer" {
				t.Errorf("token response = %+v, want an access token as ever", got)
			}
		})
	}
}

func TestIDTokenClaims(t *testing.T) {
	clock := newFakeClock()
	cfg := openIDConfig()
	cfg.Now = clock.Now
	s := start(t, cfg)
	signedIn := clock.Now()
	code := authorizeCode(t, s, openIDParams())
	clock.Advance(30 * time.Second)
	issued := clock.Now()
	r := postToken(t, s, tokenForm(code))
	var body tokenBody
	decodeJSON(t, r.body, &body)

	token := decodeJWT(t, body.IDToken)

	wantHeader := map[string]any{"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}
	if !reflect.DeepEqual(token.header, wantHeader) {
		t.Errorf("header = %v, want %v", token.header, wantHeader)
	}
	var user profile
	decodeJSON(t, getUser(t, s, s.UserURL(), "Bearer "+body.AccessToken).body, &user)
	want := map[string]any{
		"iss":                s.HTTP.URL,
		"sub":                strconv.FormatInt(user.ID, 10), // a string, the same ID as /user's
		"aud":                clientID,                       // one audience, as a string
		"exp":                float64(issued.Add(time.Hour).Unix()),
		"iat":                float64(issued.Unix()),
		"auth_time":          float64(signedIn.Unix()),
		"nonce":              "nonce-456",
		"preferred_username": "alice",
		"name":               "Alice (dev)",
		"email":              "alice@example.test",
		"email_verified":     true,
		"sid":                s.LatestSessionID(), // the provider session, for back-channel logout
	}
	if !reflect.DeepEqual(token.claims, want) {
		t.Errorf("claims =\n%v\nwant\n%v", token.claims, want)
	}
	if err := verifyJWT(t, body.IDToken, fetchJWKS(t, s)); err != nil {
		t.Errorf("the ID token does not verify: %v", err)
	}
}

func TestNonce(t *testing.T) {
	s := start(t, openIDConfig())
	t.Run("absent", func(t *testing.T) {
		params := openIDParams()
		params.Del("nonce")
		claims := decodeJWT(t, tokenFor(t, s, params).IDToken).claims
		if nonce, ok := claims["nonce"]; ok {
			t.Errorf("nonce = %v, but the request had none", nonce)
		}
	})
	t.Run("at the length limit", func(t *testing.T) {
		params := openIDParams()
		nonce := strings.Repeat("n", 512)
		params.Set("nonce", nonce)
		if got := decodeJWT(t, tokenFor(t, s, params).IDToken).claims["nonce"]; got != nonce {
			t.Errorf("a 512-byte nonce came back as %v", got)
		}
	})
	for name, change := range map[string]func(url.Values){
		"too long": func(p url.Values) { p.Set("nonce", strings.Repeat("n", 513)) },
		"repeated": func(p url.Values) { p.Add("nonce", "other") },
	} {
		t.Run(name, func(t *testing.T) {
			params := openIDParams()
			change(params)
			got := clientResponse(t, getAuthorize(t, s, params))
			if got.Get("error") != "invalid_request" || got.Has("code") {
				t.Errorf("authorization response = %v, want invalid_request", got)
			}
		})
	}
	// Without OpenID, nonce is an unrecognized parameter, and ignored.
	t.Run("without OpenID", func(t *testing.T) {
		params := openIDParams()
		params["nonce"] = []string{strings.Repeat("n", 600), "again"}
		if code := clientResponse(t, getAuthorize(t, start(t, config()), params)).Get("code"); code == "" {
			t.Error("no code")
		}
	})
}

// The nonce travels through the sign-in form like the rest of the request.
func TestNonceThroughTheSignInForm(t *testing.T) {
	cfg := openIDConfig()
	cfg.AutoApprove = ""
	s := start(t, cfg)
	fields := formFields(t, getAuthorize(t, s, openIDParams()).body)
	if fields.Get("nonce") != "nonce-456" {
		t.Fatalf("hidden fields = %v, want the nonce among them", fields)
	}
	fields.Set("action", "approve")
	fields.Set("username", "bob")

	code := clientResponse(t, postAuthorize(t, s, fields)).Get("code")
	var body tokenBody
	decodeJSON(t, postToken(t, s, tokenForm(code)).body, &body)

	claims := decodeJWT(t, body.IDToken).claims
	if claims["nonce"] != "nonce-456" || claims["preferred_username"] != "bob" {
		t.Errorf("nonce %v for %v, want nonce-456 for bob", claims["nonce"], claims["preferred_username"])
	}
}

func TestUserinfo(t *testing.T) {
	s := start(t, openIDConfig())
	body := tokenFor(t, s, openIDParams())
	sub := decodeJWT(t, body.IDToken).claims["sub"]

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, err := http.NewRequest(method, s.HTTP.URL+"/userinfo", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+body.AccessToken)
		r := do(t, s.HTTP.Client(), req)

		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: status %d, Content-Type %q", method, r.status, r.header.Get("Content-Type"))
		}
		var claims map[string]any
		decodeJSON(t, r.body, &claims)
		want := map[string]any{
			"sub":                sub,
			"preferred_username": "alice",
			"name":               "Alice (dev)",
			"email":              "alice@example.test",
			"email_verified":     true,
		}
		if !reflect.DeepEqual(claims, want) {
			t.Errorf("%s: claims = %v, want %v", method, claims, want)
		}
	}
	if s.UserinfoCalls() != 2 || len(s.UserinfoRequests()) != 2 || s.UserinfoRequests()[1].Method != http.MethodPost {
		t.Errorf("UserinfoCalls() = %d, UserinfoRequests() = %+v", s.UserinfoCalls(), s.UserinfoRequests())
	}
}

func TestUserinfoWantsAnOpenIDToken(t *testing.T) {
	s := start(t, openIDConfig())
	plain := tokenFor(t, s, authorizeParams()) // scope read:user

	r := getUser(t, s, s.HTTP.URL+"/userinfo", "Bearer "+plain.AccessToken)
	if r.status != http.StatusForbidden || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("a token without openid: status %d, WWW-Authenticate %q; want 403 insufficient_scope", r.status, r.header.Get("WWW-Authenticate"))
	}
	if r := getUser(t, s, s.HTTP.URL+"/userinfo", ""); r.status != http.StatusUnauthorized {
		t.Errorf("no token: status %d, want 401", r.status)
	}
}

func TestUserinfoSubMismatch(t *testing.T) {
	s := start(t, openIDConfig())
	body := tokenFor(t, s, openIDParams())
	s.Misbehave(oauthtest.Misbehaviour{UserinfoSubMismatch: true})

	var claims map[string]any
	getJSONWith(t, s, "/userinfo", body.AccessToken, &claims)

	idSub := decodeJWT(t, body.IDToken).claims["sub"]
	if sub, ok := claims["sub"].(string); !ok || sub == "" || sub == idSub {
		t.Errorf("userinfo sub = %v, ID token sub = %v; want two different subjects", claims["sub"], idSub)
	}
	if claims["preferred_username"] != "alice" {
		t.Errorf("preferred_username = %v, want the claims unchanged but for sub", claims["preferred_username"])
	}
}

// getJSONWith is getJSON with a bearer token.
func getJSONWith(t *testing.T, s *oauthtest.Server, path, token string, v any) {
	t.Helper()
	r := getUser(t, s, s.HTTP.URL+path, "Bearer "+token)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", path, r.status, r.body)
	}
	decodeJSON(t, r.body, v)
}

// fetchJSON gets target with the default client and decodes the JSON
// answer into v, failing the test unless it is 200.
func fetchJSON(t *testing.T, target string, v any) {
	t.Helper()
	resp, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", target, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
}
