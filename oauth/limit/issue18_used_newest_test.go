package limit

import (
	"net/http"
	"testing"
	"time"

	"oauthlogin/oauth"
)

// A visitor's record outlives the attempt that keeps it counted: the
// visitor starts a login, starts a second one nine minutes later and
// cancels it at once. The second start was counted and is released; the
// record lives on with the first attempt, whose count runs out first. The
// record's deadline must follow the newest attempt still waiting for its
// callback, or for the minutes between, records pass the bound.
func TestIssue18_UsedNewestAttemptDoesNotKeepTheRecord(t *testing.T) {
	t.Parallel()
	const max = 3
	a := newTestApp(t, nil, &PendingLimit{Max: max, Window: oauth.PendingLifetime + sweepInterval})
	early := []*browser{a.newBrowser(), a.newBrowser()}
	for _, b := range early {
		b.startLogin(t)
	}
	a.clock.Advance(9 * time.Minute)
	for _, b := range early {
		if resp := b.get(cancelURL(b.startLogin(t))); resp.Status != http.StatusForbidden {
			t.Fatalf("cancelling the second login: %v; want the cancelled-login page", resp)
		}
	}
	// The first starts' counts have run out; their records must be gone.
	a.clock.Advance(oauth.PendingLifetime + sweepInterval + 3*time.Minute - 9*time.Minute)
	for range max {
		a.newBrowser().get("/private")
	}
	if n := a.records(t); n > max {
		t.Errorf("%d records of unfinished logins; the bound is %d", n, max)
	}
}
