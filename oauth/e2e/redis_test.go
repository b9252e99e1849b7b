package e2e

// Sessions in Redis, end to end: several processes of the real binary on
// one redis-server that the test starts, as behind a load balancer without
// sticky sessions.

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRedisThreeInstancesShareSessions: log in on A, the pages on B and C
// greet the same person; log out on C, and the old cookie is refused on A
// at once.
func TestRedisThreeInstancesShareSessions(t *testing.T) {
	t.Parallel()
	r := startRedisServer(t, false)
	inst, provider := startRedisInstances(t, r)
	a, b, c := inst[0], inst[1], inst[2]

	ada := newPerson("ada", nil)
	if err := ada.logIn(a.URL, provider); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*proc{b, c} {
		if err := ada.expectHome(p.URL); err != nil {
			t.Errorf("instance on port %s: %v", p.Port, err)
		}
	}
	cookie := ada.sessionCookieFor(a.URL)
	if err := ada.logOut(c.URL); err != nil {
		t.Fatal(err)
	}
	replay := newPerson("ada", nil)
	replay.client.Jar.SetCookies(mustParse(a.URL), []*http.Cookie{{Name: sessionCookie, Value: cookie}})
	for _, p := range inst {
		if rep, err := replay.get(p.URL + "/"); err != nil || rep.status != http.StatusFound {
			t.Errorf("the logged-out cookie on port %s: %d, %v; want 302 to log in again", p.Port, rep.status, err)
		}
	}
	for _, line := range append(append(a.Logs(), b.Logs()...), c.Logs()...) {
		if strings.Contains(line, redisPassword) {
			t.Fatalf("an instance logged the Redis password: %s", line)
		}
	}
}

// TestRedisConcurrentLoginsOnTwoInstancesLoseNothing: one browser starts
// five logins at the same moment, alternately on two instances (five tabs
// behind the balancer). Each is a change to the same session on the
// server; every one of them must be kept, so that each tab's login
// finishes. On a shared directory, one write could overwrite another.
func TestRedisConcurrentLoginsOnTwoInstancesLoseNothing(t *testing.T) {
	t.Parallel()
	r := startRedisServer(t, false)
	inst, provider := startRedisInstances(t, r)
	for round := range 3 {
		ada := newPerson("ada", nil)
		// A first login start gives the browser its session.
		first, err := ada.startLogin(inst[0].URL, provider)
		if err != nil {
			t.Fatal(err)
		}
		const tabs = 4 // with the first: the five pending logins a session keeps
		authorizeURLs := make([]string, tabs)
		var wg sync.WaitGroup
		errs := make(chan error, tabs)
		for i := range authorizeURLs {
			wg.Go(func() {
				var err error
				authorizeURLs[i], err = ada.startLogin(inst[i%2].URL, provider)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// Each tab's login finishes, on the instance the balancer picks.
		for i, authorizeURL := range append(authorizeURLs, first) {
			callbackURL, err := ada.approve(authorizeURL)
			if err != nil {
				t.Fatal(err)
			}
			u := mustParse(callbackURL)
			u.Host = "localhost:" + inst[i%3].Port
			if err := ada.finishLogin(u.String()); err != nil {
				t.Fatalf("round %d: tab %d's login was lost: %v", round, i, err)
			}
		}
		if err := ada.expectHome(inst[2].URL); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRedisLoad200UsersOnThreeInstances: 200 people log in and make 50
// page views each, every request sent to one of three instances in turn,
// with no error and no one ever seeing another's page.
func TestRedisLoad200UsersOnThreeInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("the load test does not run with -short")
	}
	r := startRedisServer(t, false)
	inst, provider := startRedisInstances(t, r)
	const users, pageViews = 200, 50
	transport := &http.Transport{MaxIdleConnsPerHost: users, MaxConnsPerHost: users}
	t.Cleanup(transport.CloseIdleConnections)

	requests, elapsed := browseAtOnce(t, newPeople(users, transport), pageViews,
		func(i int) (string, string) { return inst[i%3].URL, provider },
		func(i, n int) string { return inst[(i+n)%3].URL })
	t.Logf("%d users over three instances: %d requests in %v, %.0f requests/s",
		users, requests, elapsed.Round(time.Millisecond), float64(requests)/elapsed.Seconds())
}

// TestRedisStoppedAndStartedMidLoad: people browse while Redis stops and
// starts again. Meanwhile they get the 503 page (never a 500, never
// another person's page), the log says why, and once Redis is back every
// one of them is served again, logged in, without restarting the app.
func TestRedisStoppedAndStartedMidLoad(t *testing.T) {
	t.Parallel()
	r := startRedisServer(t, true)
	inst, provider := startRedisInstances(t, r)
	people := make([]*person, 12)
	for i := range people {
		people[i] = newPerson(fmt.Sprintf("user%02d", i), nil)
		if err := people[i].logIn(inst[i%3].URL, provider); err != nil {
			t.Fatal(err)
		}
	}

	var phase atomic.Int32 // 0: Redis up, 1: stopped, 2: started again
	var served, unavailable, afterRestart atomic.Int64
	stop := make(chan struct{})
	errs := make(chan error, len(people))
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				before := phase.Load()
				rep, err := p.get(inst[(i+n)%3].URL + "/")
				switch {
				case err != nil:
					errs <- err
					return
				case rep.status == http.StatusOK && greeting(rep.body) == p.name:
					served.Add(1)
					if before == 2 {
						afterRestart.Add(1)
					}
				case rep.status == http.StatusServiceUnavailable && strings.Contains(rep.body, "Sessions are unavailable"):
					if before == 0 {
						errs <- fmt.Errorf("%s: 503 while Redis was up", p.name)
						return
					}
					unavailable.Add(1)
				default:
					errs <- fmt.Errorf("%s: status %d (greeting %q, redirect %q)", p.name, rep.status, greeting(rep.body), rep.location)
					return
				}
			}
		})
	}

	finish := func() {
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		if !pollUntil(15*time.Second, cond) {
			finish()
			t.Fatalf("%s did not happen within 15s", what)
		}
	}
	waitFor("page views with Redis up", func() bool { return served.Load() >= 50 })
	phase.Store(1)
	r.stop()
	waitFor("503 pages with Redis stopped", func() bool { return unavailable.Load() >= 30 })
	r.start()
	phase.Store(2)
	waitFor("page views once Redis is back", func() bool { return afterRestart.Load() >= 100 })
	finish()

	for _, p := range inst {
		logged := false
		for _, line := range p.Logs() {
			if strings.Contains(line, "session_store_error") && strings.Contains(line, "127.0.0.1:"+r.port) {
				logged = true
			}
			if strings.Contains(line, `"status":500`) || strings.Contains(line, "panic") {
				t.Errorf("instance on port %s: %s", p.Port, line)
			}
			if strings.Contains(line, redisPassword) {
				t.Fatalf("instance on port %s logged the Redis password: %s", p.Port, line)
			}
		}
		if !logged {
			t.Errorf("instance on port %s did not log why sessions were unavailable", p.Port)
		}
	}
	t.Logf("%d pages served, %d 503 pages while Redis was down", served.Load(), unavailable.Load())
}

// TestRedisStartFaults: the app refuses to start when Redis cannot be
// reached or refuses the password, says why, and never prints the URL's
// password.
func TestRedisStartFaults(t *testing.T) {
	t.Parallel()
	r := startRedisServer(t, false)
	for name, tt := range map[string]struct {
		url  string
		want string
	}{
		"unreachable":    {"redis://:" + redisPassword + "@127.0.0.1:" + freePort(t), "connection refused"},
		"wrong password": {"redis://:" + redisPassword + "-wrong@127.0.0.1:" + r.port, "WRONGPASS"},
		"no password":    {"redis://127.0.0.1:" + r.port, "NOAUTH"},
		"bad URL":        {"redis://:" + redisPassword + "@127.0.0.1:" + r.port + "/zero", "database number"},
	} {
		t.Run(name, func(t *testing.T) {
			env := validStartEnv(t, freePort(t))
			env["SESSION_STORE"] = "redis"
			env["REDIS_URL"] = tt.url
			code, out := runFailingStart(t, env)
			if code == 0 || !strings.Contains(out, tt.want) {
				t.Errorf("exit code %d, output:\n%s\nwant a failure saying %q", code, out, tt.want)
			}
			if strings.Contains(out, redisPassword) {
				t.Errorf("the output shows the password:\n%s", out)
			}
		})
	}
}
