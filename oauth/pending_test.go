package oauth

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestIssue18_UnfinishedLoginEndsWithItsNewestAttempt: a session that
// holds only logins in progress ends ten minutes after its newest attempt,
// however often the browser comes back without logging in (the audit's
// reproducer touched it every 20 minutes and kept it for hours). Another
// attempt moves the end; a login lifts it.
func TestIssue18_UnfinishedLoginEndsWithItsNewestAttempt(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	// A page that only reads the session, as the signed-out page does.
	touch := h.sessions.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	visit := func(b *browser) { b.send(touch, httptest.NewRequest(http.MethodGet, "/signed-out", nil), nil) }

	idle := h.newBrowser()
	idle.startLogin(t, "/private")
	for range 3 {
		h.clock.Advance(4 * time.Minute)
		visit(idle)
	}
	if _, ok := h.readRecord(idle.cookie); ok {
		t.Error("the record of an unfinished login outlived its attempt by two minutes, kept alive by visits")
	}

	again := h.newBrowser()
	again.startLogin(t, "/private")
	h.clock.Advance(8 * time.Minute)
	again.startLogin(t, "/private")
	h.clock.Advance(8 * time.Minute)
	visit(again)
	if _, ok := h.readRecord(again.cookie); !ok {
		t.Error("a second attempt did not move the session's end")
	}

	// Two tabs start a login; one finishes, and the session keeps the
	// other's attempt, but no longer its end.
	ada := h.newBrowser()
	ada.startLogin(t, "/private")
	ada.login(t, "/private")
	h.clock.Advance(15 * time.Minute)
	h.assertLoggedIn(t, ada.cookie)
}

// TestRefusedCallbackStillDropsExpiredAttempts: a callback whose state
// matches no attempt is refused, and the attempts past PendingLifetime are
// dropped from the session all the same; the live ones stay.
func TestRefusedCallbackStillDropsExpiredAttempts(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	b.startLogin(t, "/private")
	h.clock.Advance(PendingLifetime - time.Minute)
	_, live := b.startLogin(t, "/private")
	h.clock.Advance(2 * time.Minute) // the first attempt has expired
	if resp := b.get(callbackURL("code", "c", "state", "forged")); resp.Status != http.StatusBadRequest {
		t.Fatalf("callback with a forged state: %v, want 400", resp)
	}
	rec, _ := h.readRecord(b.cookie)
	if p := rec.Values.Pending; len(p) != 1 || p[0].State != live {
		t.Errorf("pending logins %+v, want only the live one", p)
	}
}
