package settings

import (
	"slices"
	"testing"
)

// TestIssue18_WarnsWhenPortDiffers: with REDIRECT_URL on one port and the
// app on another, every login ended at a page that does not load, and
// start-up said nothing. The app can tell when REDIRECT_URL is plain http
// and no proxy is declared; behind a proxy (https, or TRUSTED_PROXIES)
// the ports may rightly differ.
func TestIssue18_WarnsWhenPortDiffers(t *testing.T) {
	const mismatch = "REDIRECT_URL is on port 5000, but the app listens on port 8080: after login the provider " +
		"sends the browser to a port nobody answers on. Set PORT=5000, or move REDIRECT_URL (and the redirect " +
		"URI registered with the provider) to port 8080."
	for _, tt := range []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"PORT moved, REDIRECT_URL not", map[string]string{"REDIRECT_URL": "http://localhost:5000/oauth/callback",
			"HOST": "localhost", "PORT": "8080"}, []string{mismatch}},
		{"ADDR moved", map[string]string{"REDIRECT_URL": "http://localhost:5000/oauth/callback",
			"ADDR": "127.0.0.1:8080"}, []string{mismatch}},
		{"the same port", map[string]string{"REDIRECT_URL": "http://localhost:5000/oauth/callback",
			"PORT": "5000"}, nil},
		{"the same port, written otherwise", map[string]string{"REDIRECT_URL": "http://localhost:5000/oauth/callback",
			"PORT": "05000"}, nil},
		{"http's default port", map[string]string{"REDIRECT_URL": "http://localhost/oauth/callback",
			"ADDR": "localhost:80"}, nil},
		{"the system picks the port", map[string]string{"REDIRECT_URL": "http://localhost:5000/oauth/callback",
			"PORT": "0"}, nil},
		{"https: a proxy in front", map[string]string{"REDIRECT_URL": "https://app.example/oauth/callback",
			"PORT": "8080"}, nil},
		{"a declared proxy", map[string]string{"REDIRECT_URL": "http://localhost:5000/oauth/callback",
			"PORT": "8080", "TRUSTED_PROXIES": "127.0.0.1"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			vars := validVars()
			for k, v := range tt.vars {
				vars[k] = v
			}
			s, err := Parse(vars)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Warnings(); !slices.Equal(got, tt.want) {
				t.Errorf("Warnings() = %q, want %q", got, tt.want)
			}
		})
	}
}

// The address to open is the site REDIRECT_URL is on, where the session
// cookie lives, whatever address the app listens on.
func TestOpenURL(t *testing.T) {
	for redirect, want := range map[string]string{
		"http://localhost:5000/oauth/callback":    "http://localhost:5000/",
		"https://app.example/oauth/callback":      "https://app.example/",
		"https://app.example:8443/oauth/callback": "https://app.example:8443/",
		"http://[::1]:5000/oauth/callback":        "http://[::1]:5000/",
	} {
		vars := validVars()
		vars["REDIRECT_URL"], vars["ADDR"] = redirect, "127.0.0.1:9999"
		s, err := Parse(vars)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.OpenURL(); got != want {
			t.Errorf("REDIRECT_URL %s: OpenURL() = %q, want %q", redirect, got, want)
		}
	}
}
