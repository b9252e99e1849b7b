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

	var requests atomic.Int64
	errs := make(chan error, users)
	people := make([]*person, users)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range people {
		people[i] = newPerson(fmt.Sprintf("user%03d", i), transport)
		wg.Go(func() {
			p := people[i]
			if err := p.logIn(app.URL, app.ProviderURL); err != nil {
				errs <- fmt.Errorf("login: %w", err)
				return
			}
			requests.Add(5) // the app's redirect, the sign-in page and form, the callback, the home page
			for n := range pageViews {
				// expectHome fails unless the page greets p.name: a lost
				// session (302) or someone else's (another name) is an error.
				if err := p.expectHome(app.URL); err != nil {
					errs <- fmt.Errorf("page view %d: %w", n, err)
					return
				}
				requests.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	failures := 0
	for err := range errs {
		failures++
		if failures <= 10 {
			t.Error(err)
		}
	}
	if failures > 0 {
		t.Fatalf("%d of %d users failed", failures, users)
	}
	t.Logf("%d users logged in and made %d page views each: %d requests in %v, %.0f requests/s",
		users, pageViews, requests.Load(), elapsed.Round(time.Millisecond), float64(requests.Load())/elapsed.Seconds())

	// One file per live session: the pre-login sessions were replaced at
	// login, and no page view wrote one.
	files, others := readSessionFiles(t, app.SessionDir)
	if len(files) != users || len(others) != 0 {
		t.Errorf("%d session files and %v besides, want %d session files", len(files), others, users)
	}

	// Everyone logs out; a sweep that runs afterwards leaves nothing.
	logoutStart := time.Now()
	errs = make(chan error, users)
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
