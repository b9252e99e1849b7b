package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// Served over https (here: a REDIRECT_URL on https, as behind a TLS
// proxy), the session cookie keeps the Secure attribute and the __Host-
// prefix, which lets no sibling subdomain set or shadow it. Only the
// plain-http loopback setup of local development goes without them.
func TestCookieOverHTTPSIsSecureWithHostPrefix(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{Env: map[string]string{
		"REDIRECT_URL":          "https://app.example/oauth/callback",
		"INSECURE_DEV_PROVIDER": "false",
	}})
	v := newVisitor(t)
	resp := v.get(a.URL + "/")
	if resp.status != http.StatusFound {
		t.Fatalf("GET /: HTTP %d, want a 302 to the provider", resp.status)
	}
	lines := resp.header.Values("Set-Cookie")
	if len(lines) != 1 {
		t.Fatalf("Set-Cookie %q, want one", lines)
	}
	c, err := http.ParseSetCookie(lines[0])
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "__Host-session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("Set-Cookie %q; want __Host-session with Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain", lines[0])
	}
	if loggedWithoutSecure(a) {
		t.Error("the app warned of a cookie without Secure while serving https")
	}
}

// In the local plain-http setup the cookie goes without Secure (WebKit
// drops a Secure cookie set over http://localhost), and the app says so
// once at start-up.
func TestCookieOverLoopbackHTTPIsNotSecure(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	v := newVisitor(t)
	resp := v.get(a.URL + "/")
	c, err := http.ParseSetCookie(resp.header.Get("Set-Cookie"))
	if err != nil {
		t.Fatalf("GET /: HTTP %d, Set-Cookie %q: %v", resp.status, resp.header.Get("Set-Cookie"), err)
	}
	if c.Name != "session" || c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("Set-Cookie %q; want session, without Secure, HttpOnly, SameSite=Lax", resp.header.Get("Set-Cookie"))
	}
	if !loggedWithoutSecure(a) {
		t.Error("the app did not say at start-up that the cookie goes without Secure")
	}
}

// loggedWithoutSecure reports whether the app said that its cookie goes
// without Secure.
func loggedWithoutSecure(a *app) bool {
	for _, line := range a.Logs() {
		if strings.Contains(line, "session cookie is named \\\"session\\\" and sent without Secure") {
			return true
		}
	}
	return false
}
