package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// sameOrigin marks a request as a browser's same-origin form post.
func sameOrigin(r *http.Request) {
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", appOrigin)
}

// TestChecklist36_37_Logout checks oauth/SECURITY.md #36 and #37: logout
// deletes the record, expires the cookie with matching attributes and asks
// the browser to forget the site; only a same-origin POST does it.
func TestChecklist36_37_Logout(t *testing.T) {
	t.Parallel()
	t.Run("#36 a same-origin POST ends the session", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		b := h.newBrowser()
		b.login(t, "/private")
		old := b.cookie
		resp := b.do(http.MethodPost, "/logout", sameOrigin)
		if resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != SignedOutPath {
			t.Fatalf("got %v, want a 303 to %s", resp, SignedOutPath)
		}
		lines := resp.Header.Values("Set-Cookie")
		if len(lines) != 1 {
			t.Fatalf("Set-Cookie %q, want one", lines)
		}
		c, err := http.ParseSetCookie(lines[0])
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != h.sessions.CookieName() || c.Value != "" || c.MaxAge >= 0 || !strings.Contains(lines[0], "Max-Age=0") ||
			c.Path != "/" || c.Domain != "" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("Set-Cookie %q, want %s=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax", lines[0], h.sessions.CookieName())
		}
		// Not "cookies": that would clear every cookie of the registrable
		// domain, logging the person out of sibling sites too.
		if got := resp.Header.Get("Clear-Site-Data"); got != `"cache", "storage"` {
			t.Errorf("Clear-Site-Data %q, want \"cache\", \"storage\"", got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}
		if _, ok := h.readRecord(old); ok {
			t.Error("the session record is still on disk")
		}
		h.assertAnonymous(t, old)
	})

	refused := []struct {
		name   string
		method string
		header map[string]string
		want   int
	}{
		{"#37 Sec-Fetch-Site: cross-site", http.MethodPost, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"#37 Sec-Fetch-Site: same-site (a sibling subdomain)", http.MethodPost,
			map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://other.app.example"}, http.StatusForbidden},
		{"#37 Origin of another site, no Sec-Fetch-Site", http.MethodPost, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"#37 GET /logout", http.MethodGet, nil, http.StatusMethodNotAllowed},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			b := h.newBrowser()
			b.login(t, "/private")
			resp := b.do(tt.method, "/logout", func(r *http.Request) {
				for k, v := range tt.header {
					r.Header.Set(k, v)
				}
			})
			if resp.Status != tt.want || len(resp.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("got %v, Set-Cookie %q; want HTTP %d and no cookie change", resp, resp.Header.Values("Set-Cookie"), tt.want)
			}
			h.assertLoggedIn(t, b.cookie)
		})
	}
}

// TestChecklist47_LogoutIgnoresRedirectParameters checks oauth/SECURITY.md
// #47: whatever the logout URL says, it sends the browser to /.
func TestChecklist47_LogoutIgnoresRedirectParameters(t *testing.T) {
	t.Parallel()
	for _, param := range []string{"redirect", "next", "url", "return", "return_to"} {
		for _, target := range []string{"https://evil.example", "//evil.example"} {
			t.Run("#47 "+param+"="+target, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, harnessOptions{})
				b := h.newBrowser()
				b.login(t, "/private")
				resp := b.do(http.MethodPost, "/logout?"+param+"="+url.QueryEscape(target), sameOrigin)
				if resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != SignedOutPath {
					t.Errorf("got %v, want a 303 to %s", resp, SignedOutPath)
				}
			})
		}
	}
}
