package tokens

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

// TestTokensAreUsedWithoutRefreshUntilDue: a token that is not due is
// handed out as the session holds it, with no call to the provider.
func TestTokensAreUsedWithoutRefreshUntilDue(t *testing.T) {
	p := newStubProvider(t, 60)
	clock := newTestClock()
	inst := newInstance(t, p, instanceOptions{clock: clock})
	b := newBrowser(t)
	first := b.logIn(inst)
	clock.Advance(44 * time.Second) // due at 45 s: a quarter of the minute before expiry
	if got := b.page(inst.URL + "/"); got != "token "+first {
		t.Fatalf("before it is due: %q, want the login's token", got)
	}
	if sent, _ := p.refreshTokensSent(); len(sent) != 0 {
		t.Fatalf("%d refreshes before the token was due", len(sent))
	}
	clock.Advance(2 * time.Second)
	if got := b.page(inst.URL + "/"); got == "token "+first || !strings.HasPrefix(got, "token ") {
		t.Fatalf("once due: %q, want a new token", got)
	}
	if sent, _ := p.refreshTokensSent(); len(sent) != 1 {
		t.Fatalf("%d refreshes once due, want 1", len(sent))
	}
}

// TestConcurrentRequestsShareOneRefresh: fifty requests of one session
// that all find the token expired make one refresh between them, and all
// get its token.
func TestConcurrentRequestsShareOneRefresh(t *testing.T) {
	p := newStubProvider(t, 60)
	clock := newTestClock()
	inst := newInstance(t, p, instanceOptions{clock: clock})
	b := newBrowser(t)
	b.logIn(inst)
	clock.Advance(61 * time.Second) // expired: nobody may use the old one
	pages := browseAtOnce(t, b, []*instance{inst}, 50)
	if len(pages) != 1 {
		t.Errorf("the requests saw %d different pages, want one token for all: %v", len(pages), pages)
	}
	if sent, reuses := p.refreshTokensSent(); len(sent) != 1 || reuses != 0 {
		t.Errorf("%d refreshes (%d of a spent token), want 1", len(sent), reuses)
	}
}

// TestThreeInstancesOnOneDirectoryRefreshOncePerRotation: three instances
// share one session directory; five times over, the token runs out and 50
// requests at once on each instance need it. Each rotation is one refresh
// request, no refresh token is ever sent twice (the provider would end
// the grant), and every request gets a token.
func TestThreeInstancesOnOneDirectoryRefreshOncePerRotation(t *testing.T) {
	p := newStubProvider(t, 60)
	clock := newTestClock()
	dir := newSessionDir(t)
	var insts []*instance
	for range 3 {
		insts = append(insts, newInstance(t, p, instanceOptions{dir: dir, clock: clock}))
	}
	b := newBrowser(t)
	b.logIn(insts[0])
	for rotation := 1; rotation <= 5; rotation++ {
		clock.Advance(61 * time.Second)
		pages := browseAtOnce(t, b, insts, 50)
		if len(pages) != 1 {
			t.Errorf("rotation %d: the requests saw %d different pages, want one token: %v", rotation, len(pages), pages)
		}
		sent, reuses := p.refreshTokensSent()
		if len(sent) != rotation || reuses != 0 {
			t.Fatalf("after rotation %d: %d refresh requests, %d of them with a spent token; want %d and 0",
				rotation, len(sent), reuses, rotation)
		}
	}
	sent, _ := p.refreshTokensSent()
	if len(slices.Compact(slices.Sorted(slices.Values(sent)))) != len(sent) {
		t.Errorf("a refresh token was sent twice: %v", sent)
	}
}

// browseAtOnce sends n requests at once to each instance with b's cookies,
// fails the test on any that is not a token page, and returns the set of
// pages seen.
func browseAtOnce(t *testing.T, b *browser, insts []*instance, n int) map[string]int {
	t.Helper()
	var mu sync.Mutex
	pages := make(map[string]int)
	var wg sync.WaitGroup
	for _, inst := range insts {
		for range n {
			wg.Go(func() {
				status, body, err := b.get(inst.URL + "/")
				mu.Lock()
				defer mu.Unlock()
				if err != nil || status != http.StatusOK || !strings.HasPrefix(body, "token ") {
					t.Errorf("GET %s/: %d %q %v", inst.URL, status, body, err)
					return
				}
				pages[body]++
			})
		}
	}
	wg.Wait()
	return pages
}

// TestRefusedRefreshEndsTheSession: the provider answers invalid_grant
// (the person revoked the app's access): the session ends, the next page
// says why, once, and then a login starts as usual.
func TestRefusedRefreshEndsTheSession(t *testing.T) {
	p := newStubProvider(t, 60)
	clock := newTestClock()
	dir := newSessionDir(t)
	inst := newInstance(t, p, instanceOptions{clock: clock, dir: dir})
	b := newBrowser(t)
	b.logIn(inst)
	p.endGrants()
	clock.Advance(61 * time.Second)
	if got := b.page(inst.URL + "/"); !strings.Contains(got, "the login at the provider has ended") {
		t.Fatalf("after invalid_grant: %q, want the ended-login page", got)
	}
	if !strings.Contains(inst.logs.String(), `"event":"provider_login_ended","reason":"refresh_token_refused"`) {
		t.Errorf("no provider_login_ended record in the log:\n%s", inst.logs.String())
	}
	// The page is shown once; its "Log in again" is an ordinary login.
	if got := b.page(inst.URL + "/"); !strings.HasPrefix(got, "token ") {
		t.Fatalf("logging in again: %q, want the home page with a new token", got)
	}
	if sent, _ := p.refreshTokensSent(); len(sent) != 1 {
		t.Errorf("%d refresh requests, want the one refused", len(sent))
	}
}

// TestProviderDownKeepsThePersonLoggedIn: while the token endpoint fails,
// the person stays logged in and the page says the data is unavailable; a
// token that has not expired yet is still used; the next try waits for
// the back-off, and then succeeds.
func TestProviderDownKeepsThePersonLoggedIn(t *testing.T) {
	p := newStubProvider(t, 60)
	clock := newTestClock()
	inst := newInstance(t, p, instanceOptions{clock: clock})
	b := newBrowser(t)
	first := b.logIn(inst)
	p.set(func(p *stubProvider) { p.down = true })

	clock.Advance(50 * time.Second) // due, not expired
	if got := b.page(inst.URL + "/"); got != "token "+first {
		t.Fatalf("due, provider down: %q, want the old token, still good", got)
	}
	clock.Advance(11 * time.Second) // expired; the back-off of one second has passed
	if got := b.page(inst.URL + "/"); got != "unavailable" {
		t.Fatalf("expired, provider down: %q, want unavailable", got)
	}
	if got := b.page(inst.URL + "/"); got != "unavailable" {
		t.Fatalf("again at once: %q, want unavailable", got)
	}
	sent, _ := p.refreshTokensSent()
	if len(sent) != 2 {
		t.Fatalf("%d refresh requests, want 2: one try per back-off", len(sent))
	}
	p.set(func(p *stubProvider) { p.down = false })
	clock.Advance(2 * time.Second) // the back-off after two failures
	if got := b.page(inst.URL + "/"); !strings.HasPrefix(got, "token ") || got == "token "+first {
		t.Fatalf("provider back: %q, want a new token", got)
	}
	if sent, _ := p.refreshTokensSent(); len(sent) != 3 {
		t.Fatalf("%d refresh requests, want 3", len(sent))
	}
	if !strings.Contains(inst.logs.String(), `"event":"token_refresh_failed"`) {
		t.Error("no token_refresh_failed record in the log")
	}
}

// TestRefreshedIDTokenForAnotherUserEndsTheSession: an ID token in a
// refresh's answer that names someone other than the login's user ends
// the session (OpenID Connect Core §12.2); one that names the same user
// is handed to OnRefresh.
func TestRefreshedIDTokenForAnotherUserEndsTheSession(t *testing.T) {
	p := newStubProvider(t, 60)
	clock := newTestClock()
	var kept []string
	inst := newInstance(t, p, instanceOptions{clock: clock, tweak: func(o *Options) {
		// The stand-in's ID tokens are "sub:" and the subject.
		o.CheckIDToken = func(_ context.Context, raw string, u oauth.User) error {
			if raw != "sub:"+u.Subject {
				return &oauth.Refusal{Reason: "id_token_subject_changed"}
			}
			return nil
		}
		o.OnRefresh = func(_ *session.Values, tok *oauth.Token, _ oauth.User) error {
			kept = append(kept, tok.IDToken)
			return nil
		}
	}})
	b := newBrowser(t)
	b.logIn(inst)

	p.set(func(p *stubProvider) { p.idToken = "sub:7" })
	clock.Advance(61 * time.Second)
	if got := b.page(inst.URL + "/"); !strings.HasPrefix(got, "token ") || !slices.Equal(kept, []string{"sub:7"}) {
		t.Fatalf("same subject: %q, OnRefresh saw %q; want a new token, and the ID token kept", got, kept)
	}
	p.set(func(p *stubProvider) { p.idToken = "sub:8" })
	clock.Advance(61 * time.Second)
	if got := b.page(inst.URL + "/"); !strings.Contains(got, "the login at the provider has ended") {
		t.Fatalf("another subject: %q, want the ended-login page", got)
	}
	if len(kept) != 1 {
		t.Errorf("OnRefresh saw %q; want the refused token left out", kept)
	}
	if !strings.Contains(inst.logs.String(), `"reason":"id_token_refused"`) {
		t.Error("no id_token_refused record in the log")
	}
}

// TestLeaseOfAStalledRefreshIsTakenOver: another instance's lease stops
// this one from refreshing while it lives (the old token, still good, is
// used meanwhile), and only until it runs out: its holder may have died
// mid-refresh.
func TestLeaseOfAStalledRefreshIsTakenOver(t *testing.T) {
	p := newStubProvider(t, 60)
	clock := newTestClock()
	dir := newSessionDir(t)
	inst := newInstance(t, p, instanceOptions{clock: clock, dir: dir})
	b := newBrowser(t)
	first := b.logIn(inst)
	clock.Advance(50 * time.Second) // due, not expired
	putLease(t, dir, clock.Now().Add(leaseTime).UnixMilli())
	if got := b.page(inst.URL + "/"); got != "token "+first {
		t.Fatalf("with another instance's lease: %q, want the old token", got)
	}
	if sent, _ := p.refreshTokensSent(); len(sent) != 0 {
		t.Fatalf("%d refresh requests under another instance's lease", len(sent))
	}
	clock.Advance(leaseTime)
	if got := b.page(inst.URL + "/"); !strings.HasPrefix(got, "token ") || got == "token "+first {
		t.Fatalf("after the lease ran out: %q, want a new token", got)
	}
	if sent, _ := p.refreshTokensSent(); len(sent) != 1 {
		t.Errorf("%d refresh requests, want 1", len(sent))
	}
}

// putLease writes a lease of another instance into the one session in
// dir, as a refresh that stalled there would have left it.
func putLease(t *testing.T, dir string, until int64) {
	t.Helper()
	files := sessionFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("%d session files, want 1", len(files))
	}
	for name, b := range files {
		lease := fmt.Sprintf(`"lease":{"owner":"elsewhere","until":%d}}`, until)
		changed := strings.Replace(string(b), `"}`, `",`+lease, 1)
		if changed == string(b) {
			t.Fatalf("no tokens value in %s", b)
		}
		writeFile(t, dir, name, changed)
	}
}

// TestTokenWithoutLifetimeIsNeverRefreshed: a provider that gives no
// expires_in (a GitHub OAuth app's tokens do not expire) is never asked
// for a refresh.
func TestTokenWithoutLifetimeIsNeverRefreshed(t *testing.T) {
	p := newStubProvider(t, 0)
	clock := newTestClock()
	inst := newInstance(t, p, instanceOptions{clock: clock})
	b := newBrowser(t)
	first := b.logIn(inst)
	clock.Advance(1000 * time.Hour)
	if got := b.page(inst.URL + "/"); got != "token "+first {
		t.Fatalf("%q, want the login's token", got)
	}
	if sent, _ := p.refreshTokensSent(); len(sent) != 0 {
		t.Errorf("%d refreshes of a token without a lifetime", len(sent))
	}
}

func TestBackoffIsBounded(t *testing.T) {
	for failures, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 6: 32 * time.Second, 7: time.Minute, 50: time.Minute} {
		if got := backoff(failures); got != want {
			t.Errorf("backoff(%d) = %v, want %v", failures, got, want)
		}
	}
}

func TestNewRefusesNoKey(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New without keys succeeded")
	}
	if _, err := New(nil, Options{Keys: [][]byte{{}}}); err == nil {
		t.Error("New with an empty key succeeded")
	}
}
