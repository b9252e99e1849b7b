package e2e

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

// These tests run the real binary against an OpenID Connect provider found
// through ISSUER alone (issue 4): the endpoints, the keys and the logout
// endpoint all come from discovery at start-up.

// oidcEnv is the environment of an app on port that uses the OpenID Connect
// provider at issuer and nothing else: no endpoint URL is given, and the
// development provider is off.
func oidcEnv(port, issuer string) map[string]string {
	return map[string]string{
		"PROVIDER":              "oidc",
		"ISSUER":                issuer,
		"ADDR":                  "127.0.0.1:" + port,
		"REDIRECT_URL":          "http://localhost:" + port + "/oauth/callback",
		"AUTHORIZE_URL":         "", // empty is unset: discovery fills them
		"TOKEN_URL":             "",
		"USER_URL":              "",
		"INSECURE_DEV_PROVIDER": "false",
		// The client the providers below know; startApp's is the
		// development provider's.
		"CLIENT_ID":     "e2e-client",
		"CLIENT_SECRET": "e2e-secret",
	}
}

func TestIssue4_OpenIDConnectEndToEnd(t *testing.T) {
	port := freePort(t)
	appURL := "http://localhost:" + port
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID:              "e2e-client",
		ClientSecret:          "e2e-secret",
		RedirectURL:           appURL + "/oauth/callback",
		OpenID:                true,
		AutoApprove:           "ada",
		PostLogoutRedirectURL: appURL + "/",
	})
	t.Cleanup(provider.Close)
	issuer := provider.HTTP.URL
	env := oidcEnv(port, issuer)
	env["POST_LOGOUT_REDIRECT_URL"] = appURL + "/"
	a := startApp(t, appOptions{Env: env})

	// Discovery at start-up, logged once with what it found.
	var discovered []map[string]any
	for _, line := range a.Logs() {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) == nil && r["msg"] == "OpenID Connect provider discovered" {
			discovered = append(discovered, r)
		}
	}
	if len(discovered) != 1 || discovered[0]["issuer"] != issuer || discovered[0]["token_url"] != issuer+"/token" ||
		discovered[0]["iss_parameter"] != true || discovered[0]["end_session_url"] != issuer+"/logout" {
		t.Fatalf("discovery records %v, want one naming the provider's issuer, endpoints and iss support", discovered)
	}

	// The login, following each redirect by hand.
	v := newVisitor(t)
	r := v.get(appURL + "/")
	authorize, err := url.Parse(r.location)
	if r.status != http.StatusFound || err != nil || !strings.HasPrefix(r.location, issuer+"/authorize?") {
		t.Fatalf("GET /: %d to %q, want 302 to the discovered authorization endpoint", r.status, r.location)
	}
	if q := authorize.Query(); q.Get("scope") != "openid profile email" || len(q.Get("nonce")) != 43 {
		t.Errorf("authorization request scope %q, nonce %q; want the oidc profile's scope and a nonce", q.Get("scope"), q.Get("nonce"))
	}
	r = v.get(r.location)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, appURL+"/oauth/callback?") {
		t.Fatalf("provider: %d to %q, want 303 to the callback", r.status, r.location)
	}
	r = v.get(r.location)
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("callback: %d to %q, want 303 to /\n%s", r.status, r.location, r.body)
	}
	home := v.get(appURL + "/")
	for _, want := range []string{"Hello, ada", "Ada (dev)", "ada@example.test"} {
		if !strings.Contains(home.body, want) {
			t.Errorf("home page lacks %q:\n%s", want, home.body)
		}
	}
	if provider.JWKSCalls() != 1 || provider.UserCalls() != 0 {
		t.Errorf("provider saw %d JWKS and %d /user calls, want 1 and 0", provider.JWKSCalls(), provider.UserCalls())
	}

	// Logout here, then at the provider, then back.
	out := v.do(http.MethodPost, appURL+"/logout", url.Values{})
	end, err := url.Parse(out.location)
	if out.status != http.StatusSeeOther || err != nil || !strings.HasPrefix(out.location, issuer+"/logout?") {
		t.Fatalf("logout: %d to %q, want 303 to the end_session_endpoint", out.status, out.location)
	}
	q := end.Query()
	if q.Get("id_token_hint") == "" || q.Get("client_id") != "e2e-client" || q.Get("post_logout_redirect_uri") != appURL+"/" {
		t.Errorf("end-session request %v, want id_token_hint, client_id and post_logout_redirect_uri", q)
	}
	back := v.get(out.location) // the provider accepts only a hint it issued
	if back.status != http.StatusSeeOther || back.location != appURL+"/" {
		t.Errorf("provider's logout: %d to %q, want 303 to %s/\n%s", back.status, back.location, appURL, back.body)
	}
	if r := v.get(appURL + "/"); r.status != http.StatusFound {
		t.Errorf("after logout: %d, want anonymous (302 to the provider)", r.status)
	}
}

// TestIssue4_DiscoveryFailureStopsStartUp starts the app with an ISSUER
// whose discovery fails: the process exits with an error naming the
// problem, before it listens, and without a panic.
func TestIssue4_DiscoveryFailureStopsStartUp(t *testing.T) {
	elsewhere := oauthtest.NewServer(oauthtest.Config{ClientID: "e2e-client", ClientSecret: "e2e-secret",
		RedirectURL: "http://localhost:1/oauth/callback", OpenID: true, Issuer: "http://127.0.0.1:1/elsewhere"})
	t.Cleanup(elsewhere.Close)
	plainOAuth := oauthtest.NewServer(oauthtest.Config{ClientID: "e2e-client", ClientSecret: "e2e-secret",
		RedirectURL: "http://localhost:1/oauth/callback"})
	t.Cleanup(plainOAuth.Close)

	tests := []struct {
		name   string
		issuer string
		want   string // in the error, besides the issuer
	}{
		{"the document names another issuer", elsewhere.HTTP.URL, `"http://127.0.0.1:1/elsewhere"`},
		{"nothing listens at ISSUER", "http://127.0.0.1:" + freePort(t), "connection refused"},
		{"ISSUER serves no discovery document", plainOAuth.HTTP.URL, "HTTP 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, output := runAppUntilExit(t, oidcEnv(freePort(t), tt.issuer))
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			want := "oauthlogin: OpenID Connect discovery for " + tt.issuer + ": "
			if !strings.Contains(output, want) || !strings.Contains(output, tt.want) {
				t.Errorf("output lacks %q and %q:\n%s", want, tt.want, output)
			}
			for _, bad := range []string{"panic", "goroutine ", ".go:", `"msg":"listening"`} {
				if strings.Contains(output, bad) {
					t.Errorf("output has %q:\n%s", bad, output)
				}
			}
		})
	}
}

// runAppUntilExit runs the app binary with env over the e2e defaults, for
// a start-up that must fail: it waits for the process to exit by itself,
// within appStartTimeout, and returns its exit code and all its output.
func runAppUntilExit(t *testing.T, env map[string]string) (code int, output string) {
	t.Helper()
	binary, err := buildApp()
	if err != nil {
		t.Fatalf("building the app: %v", err)
	}
	dir := t.TempDir()
	all := map[string]string{
		"ENVIRONMENT":   "e2e",
		"CLIENT_ID":     "e2e-client",
		"CLIENT_SECRET": "e2e-secret",
		"SECRET":        "e2e-session-key-0123456789abcdef0123456789",
		"SESSION_DIR":   filepath.Join(dir, "sessions"),
		"HOME":          dir,
		"PATH":          os.Getenv("PATH"),
	}
	maps.Copy(all, env)
	ctx, cancel := context.WithTimeout(context.Background(), appStartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary)
	cmd.Dir = dir
	for name, value := range all {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	out, _ := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the app was still running after %v; output:\n%s", appStartTimeout, out)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// Package openid plugs package oidc's verifier into package oauth through
// oauth's Identifier interface, and main.go plugs openid in. Through the
// binary, ID tokens that oidc refuses are refused, with oidc's reason in
// the log record, and nobody is logged in.
func TestOpenIDConnectVerifierIsPluggedIn(t *testing.T) {
	for fault, reason := range map[oauthtest.IDTokenFault]string{
		oauthtest.IDTokenWrongAudience: "aud_mismatch",
		oauthtest.IDTokenBadSignature:  "bad_signature",
	} {
		t.Run(reason, func(t *testing.T) {
			port := freePort(t)
			appURL := "http://localhost:" + port
			provider := oauthtest.NewServer(oauthtest.Config{
				ClientID: "e2e-client", ClientSecret: "e2e-secret", RedirectURL: appURL + "/oauth/callback",
				OpenID: true, AutoApprove: "ada",
			})
			t.Cleanup(provider.Close)
			provider.Misbehave(oauthtest.Misbehaviour{IDToken: fault})
			a := startApp(t, appOptions{Env: oidcEnv(port, provider.HTTP.URL)})

			v := newVisitor(t)
			r := v.get(appURL + "/")
			r = v.get(r.location)
			r = v.get(r.location) // the callback
			if r.status != http.StatusBadGateway {
				t.Errorf("callback with a refused ID token: %d, want 502", r.status)
			}
			// The app's log reaches this process a moment after its answer.
			refused := pollUntil(appStartTimeout, func() bool {
				for _, line := range a.Logs() {
					var rec map[string]any
					if json.Unmarshal([]byte(line), &rec) == nil && rec["event"] == "identity_refused" && rec["reason"] == reason {
						return true
					}
				}
				return false
			})
			if !refused {
				t.Errorf("no identity_refused record with reason %s; the log:\n%s", reason, strings.Join(a.Logs(), "\n"))
			}
			if r := v.get(appURL + "/"); r.status != http.StatusFound {
				t.Errorf("after the refused login GET / answered %d, want 302: the visitor is logged in", r.status)
			}
		})
	}
}
