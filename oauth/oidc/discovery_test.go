package oidc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// discoveryServer serves a discovery document on loopback and remembers
// the paths it was asked for.
type discoveryServer struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

// newDiscoveryServer serves what document returns, given the server's
// URL, at every path. The URL is taken from the request, which is sure to
// come after the server has one.
func newDiscoveryServer(t *testing.T, document func(base string) string) *discoveryServer {
	s := &discoveryServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(document("http://" + r.Host)))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *discoveryServer) requestedPaths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

// discoveryDocument returns a complete document for issuer, with the
// members in changes replacing or (when nil) removing its own.
func discoveryDocument(t *testing.T, issuer string, changes map[string]any) string {
	doc := map[string]any{
		"issuer":                 issuer,
		"authorization_endpoint": issuer + "/authorize",
		"token_endpoint":         issuer + "/token",
		"userinfo_endpoint":      issuer + "/userinfo",
		"jwks_uri":               issuer + "/jwks",
		"end_session_endpoint":   issuer + "/logout",
		"authorization_response_iss_parameter_supported": true,
		"id_token_signing_alg_values_supported":          []string{"RS256", "ES256"},
	}
	for name, value := range changes {
		if value == nil {
			delete(doc, name)
		} else {
			doc[name] = value
		}
	}
	return string(mustJSON(t, doc))
}

func TestDiscover(t *testing.T) {
	server := newDiscoveryServer(t, func(base string) string { return discoveryDocument(t, base, nil) })
	got, err := Discover(context.Background(), server.Client(), server.URL)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	want := Metadata{
		Issuer:                server.URL,
		AuthorizationEndpoint: server.URL + "/authorize",
		TokenEndpoint:         server.URL + "/token",
		UserinfoEndpoint:      server.URL + "/userinfo",
		JWKSURI:               server.URL + "/jwks",
		EndSessionEndpoint:    server.URL + "/logout",
		IssParameterSupported: true,
	}
	if got.Issuer != want.Issuer || got.AuthorizationEndpoint != want.AuthorizationEndpoint ||
		got.TokenEndpoint != want.TokenEndpoint || got.UserinfoEndpoint != want.UserinfoEndpoint ||
		got.JWKSURI != want.JWKSURI || got.EndSessionEndpoint != want.EndSessionEndpoint ||
		got.IssParameterSupported != want.IssParameterSupported ||
		strings.Join(got.SigningAlgs, ",") != "RS256,ES256" {
		t.Errorf("Discover =\n%+v\nwant\n%+v with SigningAlgs RS256,ES256", *got, want)
	}
	if paths := server.requestedPaths(); len(paths) != 1 || paths[0] != "/.well-known/openid-configuration" {
		t.Errorf("requested %q, want just /.well-known/openid-configuration", paths)
	}
}

func TestDiscoverAppendsTheWellKnownPathAfterOneSlash(t *testing.T) {
	tests := []struct {
		issuerPath string
		wantPath   string
	}{
		{"/", "/.well-known/openid-configuration"},
		{"/tenant", "/tenant/.well-known/openid-configuration"},
		{"/tenant/", "/tenant/.well-known/openid-configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.issuerPath, func(t *testing.T) {
			server := newDiscoveryServer(t, func(base string) string {
				return discoveryDocument(t, base+tt.issuerPath, nil)
			})
			if _, err := Discover(context.Background(), nil, server.URL+tt.issuerPath); err != nil {
				t.Fatalf("Discover: %v", err)
			}
			if paths := server.requestedPaths(); len(paths) != 1 || paths[0] != tt.wantPath {
				t.Errorf("requested %q, want %s", paths, tt.wantPath)
			}
		})
	}
}

func TestDiscoverRefusesABadDocument(t *testing.T) {
	tests := []struct {
		name     string
		document func(base string) string
		wantErr  string
	}{
		{"issuer with a trailing slash we did not give", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"issuer": base + "/"})
		}, "issuer"},
		{"issuer of another provider", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"issuer": "https://other.example"})
		}, "issuer"},
		{"issuer missing", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"issuer": nil})
		}, "issuer"},
		{"no authorization_endpoint", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"authorization_endpoint": nil})
		}, "authorization_endpoint is missing"},
		{"no token_endpoint", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"token_endpoint": nil})
		}, "token_endpoint is missing"},
		{"no jwks_uri", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"jwks_uri": nil})
		}, "jwks_uri is missing"},
		{"token_endpoint on plain http off loopback", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"token_endpoint": "http://provider.example/token"})
		}, "token_endpoint"},
		{"jwks_uri on plain http off loopback", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"jwks_uri": "http://provider.example/jwks"})
		}, "jwks_uri"},
		{"authorization_endpoint relative", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"authorization_endpoint": "/authorize"})
		}, "authorization_endpoint"},
		{"userinfo_endpoint on plain http off loopback", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"userinfo_endpoint": "http://provider.example/userinfo"})
		}, "userinfo_endpoint"},
		{"end_session_endpoint with a fragment", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"end_session_endpoint": base + "/logout#x"})
		}, "end_session_endpoint"},
		{"not JSON", func(string) string { return "<html>hello</html>" }, "JSON"},
		{"a JSON array", func(string) string { return "[]" }, "JSON"},
		{"issuer not a string", func(base string) string {
			return discoveryDocument(t, base, map[string]any{"issuer": 1})
		}, "JSON"},
		{"over 1 MiB", func(base string) string {
			// Valid, and just too large.
			return discoveryDocument(t, base, nil) + strings.Repeat(" ", maxDocumentSize)
		}, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := newDiscoveryServer(t, tt.document)
			got, err := Discover(context.Background(), server.Client(), server.URL)
			if err == nil {
				t.Fatalf("Discover = %+v, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestDiscoverRefusesARedirect(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/.well-known/openid-configuration", http.RedirectHandler("/elsewhere", http.StatusMovedPermanently))
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(discoveryDocument(t, "http://"+r.Host, nil)))
	})
	server := httptest.NewServer(mux)
	defer server.Close()

	client := &http.Client{} // one that would follow redirects
	_, err := Discover(context.Background(), client, server.URL)
	if err == nil || !strings.Contains(err.Error(), "HTTP 301") {
		t.Fatalf("err = %v, want one about the redirect", err)
	}
	if client.CheckRedirect != nil {
		t.Error("Discover changed the caller's client")
	}
}

func TestDiscoverRefusesAnErrorStatus(t *testing.T) {
	server := httptest.NewServer(http.NotFoundHandler())
	defer server.Close()
	_, err := Discover(context.Background(), server.Client(), server.URL)
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("err = %v, want one about the status", err)
	}
}

func TestDiscoverRefusesABadIssuer(t *testing.T) {
	// The issuers are on loopback, so that a missing check would show as
	// a request to the test server rather than one to the network.
	server := newDiscoveryServer(t, func(base string) string { return discoveryDocument(t, base, nil) })
	tests := []struct {
		issuer  string
		wantErr string
	}{
		{"", "https"},
		{"issuer.example", "https"},
		{"http://issuer.example", "https"},
		{"ftp://127.0.0.1", "https"},
		{server.URL + "?tenant=a", "query"},
		{server.URL + "#x", "fragment"},
		{"http://user@" + strings.TrimPrefix(server.URL, "http://"), "user name"},
	}
	for _, tt := range tests {
		_, err := Discover(context.Background(), server.Client(), tt.issuer)
		if err == nil || !strings.Contains(err.Error(), "issuer") || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Discover(%q): err = %v, want one about the issuer and %q", tt.issuer, err, tt.wantErr)
		}
	}
	if paths := server.requestedPaths(); len(paths) != 0 {
		t.Errorf("requested %q for bad issuers, want nothing", paths)
	}
}

func TestDiscoverHonoursTheContext(t *testing.T) {
	server := newDiscoveryServer(t, func(base string) string { return discoveryDocument(t, base, nil) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Discover(ctx, server.Client(), server.URL); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("err = %v, want context canceled", err)
	}
}

func TestCheckEndpointURL(t *testing.T) {
	good := []string{
		"https://provider.example/token",
		"https://provider.example:8443/token?x=1",
		"http://localhost:9000/token",
		"http://LOCALHOST/token",
		"http://127.0.0.1/token",
		"http://127.3.2.1:80/token",
		"http://[::1]:9000/token",
		"http://[::ffff:127.0.0.1]/token",
	}
	for _, raw := range good {
		if err := checkEndpointURL(raw); err != nil {
			t.Errorf("checkEndpointURL(%q) = %v, want nil", raw, err)
		}
	}
	bad := []string{
		"",
		"/token",
		"provider.example/token",
		"https://",
		"http://provider.example/token",
		"http://localhost.example/token",
		"http://10.0.0.1/token",
		"http://[::2]/token",
		"https://user:secret@provider.example/token",
		"https://provider.example/token#",
		"javascript:alert(1)",
		"file:///etc/passwd",
	}
	for _, raw := range bad {
		if err := checkEndpointURL(raw); err == nil {
			t.Errorf("checkEndpointURL(%q) = nil, want an error", raw)
		}
	}
}
