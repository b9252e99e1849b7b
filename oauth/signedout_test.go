package oauth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// signedOutPage serves the signed-out page through the session middleware,
// as main.go mounts it, with a page that writes the user it is given.
func signedOutPage(h *harness) http.Handler {
	return h.sessions.Middleware(h.login.SignedOut(func(w http.ResponseWriter, _ *http.Request, u *User) {
		if u == nil {
			w.Write([]byte("logged out"))
			return
		}
		w.Write([]byte("still logged in as " + u.Username))
	}))
}

// Logout ends on the public signed-out page, which never starts a login by
// itself: the provider is not asked again until the person chooses to.
func TestSignedOutPageAfterLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	b.login(t, "/private")
	logout := b.do(http.MethodPost, "/logout", sameOrigin)
	if logout.Header.Get("Location") != SignedOutPath {
		t.Fatalf("logout: %v; want a 303 to %s", logout, SignedOutPath)
	}
	files, tokenCalls := h.fileCount(t), h.tokenCalls()

	page := b.send(signedOutPage(h), httptest.NewRequest(http.MethodGet, SignedOutPath, nil), nil)
	if page.Status != http.StatusOK || page.Body != "logged out" {
		t.Fatalf("signed-out page: %v; want 200 saying logged out", page)
	}
	if got := page.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if page.Header.Get("Location") != "" || b.cookie != "" {
		t.Errorf("the signed-out page started something: %v, cookie %q", page, b.cookie)
	}
	if h.fileCount(t) != files || h.tokenCalls() != tokenCalls {
		t.Errorf("the signed-out page created a session or called the provider")
	}
}

// Someone who opens the page while still logged in, from a bookmark say,
// is told so rather than misled.
func TestSignedOutPageWithLiveSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	b.login(t, "/private")
	page := b.send(signedOutPage(h), httptest.NewRequest(http.MethodGet, SignedOutPath, nil), nil)
	if page.Status != http.StatusOK || page.Body != "still logged in as "+testUser {
		t.Fatalf("signed-out page with a live session: %v; want it to name %s", page, testUser)
	}
	h.assertLoggedIn(t, b.cookie)
}

// A logout page elsewhere can be named.
func TestSignedOutPathOption(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	h.login = NewLogin(h.login.client, writeFailure, LoginOptions{SignedOutPath: "/bye"})
	b := h.newBrowser()
	b.login(t, "/private")
	resp := b.send(h.sessions.Middleware(http.HandlerFunc(h.login.Logout)),
		httptest.NewRequest(http.MethodPost, "/logout", nil), sameOrigin)
	if resp.Header.Get("Location") != "/bye" {
		t.Errorf("logout: %v; want a 303 to /bye", resp)
	}
}
