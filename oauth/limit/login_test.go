package limit

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth"
)

// TestChecklist45_54_LoginRateLimit checks the per-client limit on login
// starts (oauth/SECURITY.md #45) and callbacks (#54), through the login.
func TestChecklist45_54_LoginRateLimit(t *testing.T) {
	t.Parallel()
	limited := func(t *testing.T, a *testApp, resp *response, what string, before int) {
		t.Helper()
		if resp.Status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" ||
			!strings.HasPrefix(resp.Body, "Too many attempts") {
			t.Errorf("%s: %v, Retry-After %q; want 429, Retry-After 60 and the page", what, resp, resp.Header.Get("Retry-After"))
		}
		if n := len(resp.Header.Values("Set-Cookie")); n != 0 {
			t.Errorf("%s: %d cookies set, want none", what, n)
		}
		if events := a.events(t, "rate_limited"); len(events) != before+1 || events[before]["what"] != what {
			t.Errorf("%s: logged %v, want one more rate_limited record, with what=%s", what, events, what)
		}
	}
	t.Run("#45 the third login start in a minute", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, &RateLimit{PerMinute: 2, Burst: 2}, nil)
		a.newBrowser().startLogin(t)
		a.newBrowser().startLogin(t)
		third := a.newBrowser()
		limited(t, a, third.get("/private"), "login_start", 0)
		if n := a.records(t); n != 2 {
			t.Errorf("%d session records after two login starts and a refused one, want 2", n)
		}
		// Another client has a bucket of its own.
		other := a.newBrowser()
		other.remote = "198.51.100.9:4321"
		other.startLogin(t)
		a.clock.Advance(time.Minute)
		third.startLogin(t)
	})
	t.Run("#54 a callback over the limit", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, &RateLimit{PerMinute: 2, Burst: 2}, nil)
		b := a.newBrowser()
		callback := a.approve(t, b.get("/private"))
		a.newBrowser().startLogin(t)
		limited(t, a, b.get(callback), "callback", 0)
		if n := a.provider.TokenCalls(); n != 0 {
			t.Errorf("%d token calls, want 0", n)
		}
		// The refused callback used nothing up: half a minute later (one
		// token at 2 a minute, while the code is still good) it works.
		a.clock.Advance(30 * time.Second)
		if resp := b.get(callback); resp.Status != http.StatusSeeOther {
			t.Fatalf("callback 30 s later: %v, want 303", resp)
		}
		if page := b.get("/private"); page.Body != "hello ada" {
			t.Errorf("GET /private after the login: %v", page)
		}
	})
}

// Through the login: logins people finish give their place back, so many
// people logging in one after the other never reach the bound; unfinished
// ones fill it, and then every login start gets 503, also one from a
// visitor who has a record already.
func TestPendingLimitThroughTheLogin(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil, &PendingLimit{Max: 2, Window: oauth.PendingLifetime + sweepInterval})
	for range 20 {
		a.newBrowser().login(t)
	}
	started := a.newBrowser()
	started.startLogin(t)
	a.newBrowser().startLogin(t)
	for name, b := range map[string]*browser{"a new visitor": a.newBrowser(), "a visitor with a record": started} {
		resp := b.get("/private")
		if resp.Status != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			!strings.HasPrefix(resp.Body, "Too many logins in progress") {
			t.Errorf("%s, past two unfinished logins: %v; want 503 with Retry-After", name, resp)
		}
	}
	if n := len(a.events(t, "pending_limited")); n != 2 {
		t.Errorf("%d pending_limited records, want 2", n)
	}
	// The logged-in visitors still get in, whatever the bound.
	if n := a.records(t); n != 20+2 {
		t.Errorf("%d session records, want 20 logged in and 2 unfinished", n)
	}
}

// A visitor who starts a second login and cancels the first keeps the
// record alive with the second: the record still counts, through the
// second start, and the records never pass the bound.
func TestPendingLimitCancellingOneOfTwoAttemptsKeepsCounting(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil, &PendingLimit{Max: 3, Window: oauth.PendingLifetime + sweepInterval})
	refused := 0
	for i := range 10 {
		b := a.newBrowser()
		first := b.get("/private")
		second := b.get("/private")
		if second.Status == http.StatusServiceUnavailable {
			refused++
		}
		if state := first.state(); state != "" {
			b.get(cancelURL(state))
		}
		if n := a.records(t); n > 3 {
			t.Fatalf("%d session records after visitor %d; the bound is 3", n, i+1)
		}
	}
	if refused == 0 {
		t.Error("no start refused: the test never reached the bound")
	}
}
