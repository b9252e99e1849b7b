package limit

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"oauthlogin/oauth"
)

// The reproducers of issue 18's findings on the bound of logins in
// progress (oauth/SECURITY.md #45): each fails with a bound that counts
// only the starts that seem to create a record, for an idle timeout.

// Finding 1: the bound did not bound. A client starts logins from new
// cookies and comes back to each record every 20 minutes through a page
// that does not log in. Those visits must not keep the records alive
// past what the bound counts: for 8 hours, never more than Max records of
// unfinished logins are left after the sweep.
func TestIssue18_TouchedRecordsStayWithinTheBound(t *testing.T) {
	t.Parallel()
	const max = 3
	a := newTestApp(t, nil, &PendingLimit{Max: max, Window: oauth.PendingLifetime + sweepInterval})
	var flood []*browser
	started := 0
	for at := time.Duration(0); at <= 8*time.Hour; at += 20 * time.Minute {
		for range max + 2 {
			b := a.newBrowser()
			if b.get("/private").Status == http.StatusFound {
				started++
				flood = append(flood, b)
			}
		}
		for _, b := range flood {
			b.get(oauth.SignedOutPath)
		}
		if n := a.records(t); n > max {
			t.Fatalf("%v into the flood: %d records of unfinished logins; the bound is %d", at, n, max)
		}
		a.clock.Advance(20 * time.Minute)
	}
	// Records that expire give their place back: the bound is not a
	// one-off allowance.
	if started < 8*3*max {
		t.Errorf("%d logins started in 8 hours; with %d at a time, each gone within 20 minutes, want %d", started, max, 8*3*max)
	}
}

// Finding 2: a login start races a callback for the same record. The
// start loads the visitor's record; the callback uses up the record's
// only attempt, which removes the record; then the start writes a new
// record. That start must count, or the record is one the bound never
// sees.
func TestIssue18_StartRacingACancelIsCounted(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil, &PendingLimit{Max: 1, Window: oauth.PendingLifetime + sweepInterval})
	b := a.newBrowser()
	first := b.startLogin(t)

	loaded, resume := make(chan struct{}), make(chan struct{})
	a.beforeStart = func(*http.Request) {
		close(loaded)
		<-resume
	}
	var second *response
	var wg sync.WaitGroup
	wg.Go(func() { second = a.do("/private", b.cookie, b.remote) })
	<-loaded // the second start has loaded the record, and waits
	cancelled := b.get(cancelURL(first))
	close(resume)
	wg.Wait()
	a.beforeStart = nil

	if cancelled.Status != http.StatusForbidden {
		t.Fatalf("the cancelled login's callback: %v; want the cancelled-login page", cancelled)
	}
	if second.Status != http.StatusFound {
		t.Fatalf("the second start, once the first attempt was used up: %v; want a 302 to the provider", second)
	}
	if n := a.records(t); n != 1 {
		t.Fatalf("%d records after the race, want the second start's", n)
	}
	if resp := a.newBrowser().get("/private"); resp.Status != http.StatusServiceUnavailable {
		t.Errorf("a new visitor with the bound of 1 taken by the second start: %v; want 503", resp)
	}
	if n := a.records(t); n > 1 {
		t.Errorf("%d records of unfinished logins; the bound is 1", n)
	}
}

// Finding 2 without a chosen order: round after round, new visitors fill
// the bound, then each of them starts another login while cancelling its
// first, both at once. The two requests are lined up once each has
// loaded the session, so that both orders of what follows are common.
// Whichever way each race goes, the records of unfinished logins never
// pass the bound.
func TestIssue18_StartsRacingCancelsStayWithinTheBound(t *testing.T) {
	t.Parallel()
	const max, rounds = 3, 100
	a := newTestApp(t, nil, &PendingLimit{Max: max, Window: oauth.PendingLifetime + sweepInterval})
	type visitor struct{ cookie, state string }
	var waiting []visitor // visitors with a login in progress
	const remote = "192.0.2.1:1234"
	for round := range rounds {
		for range max + 1 {
			b := a.newBrowser()
			if resp := b.get("/private"); resp.Status == http.StatusFound {
				waiting = append(waiting, visitor{b.cookie, resp.state()})
			}
		}
		if n := a.records(t); n > max {
			t.Fatalf("round %d, after new visitors: %d records of unfinished logins; the bound is %d", round+1, n, max)
		}

		// Each visitor's start, once it has loaded the session, waits
		// until the visitor's callback has loaded it too.
		type gate struct {
			open   func()
			opened chan struct{}
		}
		gates := map[string]gate{}
		for _, v := range waiting {
			opened := make(chan struct{})
			gates[v.cookie] = gate{sync.OnceFunc(func() { close(opened) }), opened}
		}
		a.beforeCallback = func(r *http.Request) {
			if g, ok := gates[a.cookieOf(r)]; ok {
				g.open()
			}
		}
		a.beforeStart = func(r *http.Request) {
			if g, ok := gates[a.cookieOf(r)]; ok {
				<-g.opened
			}
		}

		after := make([]visitor, len(waiting))
		var wg sync.WaitGroup
		for i, v := range waiting {
			wg.Go(func() {
				var start, cancel *response
				var both sync.WaitGroup
				both.Go(func() { start = a.do("/private", v.cookie, remote) })
				both.Go(func() {
					cancel = a.do(cancelURL(v.state), v.cookie, remote)
					gates[v.cookie].open() // should the callback not have got that far
				})
				both.Wait()
				// The browser keeps the cookie of the start if it set one,
				// or else the callback's verdict on the old one.
				cookie, set := a.cookie(start)
				if !set {
					if cookie, set = a.cookie(cancel); !set {
						cookie = v.cookie
					}
				}
				after[i] = visitor{cookie, start.state()}
			})
		}
		wg.Wait()
		a.beforeStart, a.beforeCallback = nil, nil
		waiting = waiting[:0]
		for _, v := range after {
			if v.state != "" {
				waiting = append(waiting, v)
			}
		}
		if n := a.records(t); n > max {
			t.Fatalf("round %d, after the races: %d records of unfinished logins; the bound is %d", round+1, n, max)
		}
	}
}
