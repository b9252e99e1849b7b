package e2e

// The load test: 200 people log in at once through the development
// provider and browse, against the real binary over loopback. It takes
// tens of seconds, so it runs only when asked for, and never with -short:
//
//	LOAD=1 go test -race -run '^TestLoad200Users$' -v ./oauth/e2e/
//
// .ci/run runs it that way.

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoad200Users(t *testing.T) {
	if testing.Short() {
		t.Skip("the load test does not run with -short")
	}
	if os.Getenv("LOAD") != "1" {
		t.Skip("the load test runs only when asked for: LOAD=1 go test -race -run '^TestLoad200Users$' -v ./oauth/e2e/")
	}
	const (
		users     = 200
		pageViews = 50 // per user, after logging in
	)
	app := startProc(t, procOptions{Env: map[string]string{
		"LOGIN_RATE_LIMIT":       "0", // every user comes from 127.0.0.1
		"SESSION_SWEEP_INTERVAL": "1s",
	}})
	transport := &http.Transport{MaxIdleConnsPerHost: users, MaxConnsPerHost: users}
	t.Cleanup(transport.CloseIdleConnections)

	people := newPeople(users, transport)
	requests, elapsed := browseAtOnce(t, people, pageViews,
		func(int) (string, string) { return app.URL, app.ProviderURL },
		func(int, int) string { return app.URL })
	t.Logf("%d users logged in and made %d page views each: %d requests in %v, %.0f requests/s",
		users, pageViews, requests, elapsed.Round(time.Millisecond), float64(requests)/elapsed.Seconds())

	// One file per live session: the pre-login sessions were replaced at
	// login, and no page view wrote one.
	files, others := readSessionFiles(t, app.SessionDir)
	if len(files) != users || len(others) != 0 {
		t.Errorf("%d session files and %v besides, want %d session files", len(files), others, users)
	}

	// Everyone logs out; a sweep that runs afterwards leaves nothing.
	logoutStart := time.Now()
	errs := make(chan error, users)
	var wg sync.WaitGroup
	for _, p := range people {
		wg.Go(func() {
			if err := p.logOut(app.URL); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d logouts in %v", users, time.Since(logoutStart).Round(time.Millisecond))
	mark := len(app.Logs())
	if _, err := app.waitLogFrom(mark, 5*time.Second, msgIs("session sweep")); err != nil {
		t.Fatalf("no sweep ran after the logouts: %v", err)
	}
	if !pollUntil(5*time.Second, func() bool { return countEntries(t, app.SessionDir) == 0 }) {
		t.Errorf("%d files left in the session directory after logout and a sweep", countEntries(t, app.SessionDir))
	}
}

// newPeople makes n browsers named user000, user001, … sharing transport.
func newPeople(n int, transport http.RoundTripper) []*person {
	people := make([]*person, n)
	for i := range people {
		people[i] = newPerson(fmt.Sprintf("user%03d", i), transport)
	}
	return people
}

// browseAtOnce has every person log in, at the app and provider loginAt
// names, and then open the home page pageViews times, at the app viewAt
// names, all people at once. Each home page must greet its own person: a
// lost session (302) or someone else's page is an error. It fails the
// test on any error, showing the first ten, and returns the requests made
// and the time they took.
func browseAtOnce(t *testing.T, people []*person, pageViews int,
	loginAt func(i int) (appURL, providerURL string), viewAt func(i, n int) string) (requests int64, elapsed time.Duration) {
	t.Helper()
	var count atomic.Int64
	errs := make(chan error, len(people))
	var wg sync.WaitGroup
	start := time.Now()
	for i, p := range people {
		wg.Go(func() {
			if err := p.logIn(loginAt(i)); err != nil {
				errs <- fmt.Errorf("%s: login: %w", p.name, err)
				return
			}
			count.Add(5) // the app's redirect, the sign-in page and form, the callback, the home page
			for n := range pageViews {
				if err := p.expectHome(viewAt(i, n)); err != nil {
					errs <- fmt.Errorf("%s: page view %d: %w", p.name, n, err)
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed = time.Since(start)
	close(errs)
	failures := 0
	for err := range errs {
		if failures++; failures <= 10 {
			t.Error(err)
		}
	}
	if failures > 0 {
		t.Fatalf("%d of %d users failed", failures, len(people))
	}
	return count.Load(), elapsed
}
