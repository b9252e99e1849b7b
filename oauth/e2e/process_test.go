package e2e

// Faults of the process and of its surroundings: a crash in the middle of
// session writes, a graceful shutdown with a login in flight, two
// processes sharing one session directory, and the session directory
// vanishing while the app runs. Each test runs the real binary as a child
// process (helpers_process_test.go).

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestChecklist42_CrashMidWriteLeavesWholeSessions kills the app with
// SIGKILL while session files are being written and rewritten, then
// checks that no file is torn and that every write acknowledged before the
// kill survives a restart on the same directory and key (#42: a temp file
// renamed over the old one). A SIGKILL leaves the kernel's page cache
// intact, so this checks the atomic rename, not the fsync, which matters
// for a power cut.
func TestChecklist42_CrashMidWriteLeavesWholeSessions(t *testing.T) {
	const (
		visitors         = 20   // logged in before the writes start
		writesBeforeKill = 200  // acknowledged login starts, then SIGKILL
		maxRequests      = 1000 // per goroutine: a bound in case the kill never comes
	)
	port := freePort(t)
	provider := startProvider(t, "http://localhost:"+port+"/oauth/callback", nil)
	opts := procOptions{
		Port:       port,
		SessionDir: filepath.Join(t.TempDir(), "sessions"),
		Provider:   provider,
		Env:        map[string]string{"LOGIN_RATE_LIMIT": "0", "LOG_LEVEL": "info"},
	}
	first := startProc(t, opts)
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * visitors}
	t.Cleanup(transport.CloseIdleConnections)

	// Each visitor logs in; a login that returned the home page is
	// acknowledged.
	people := make([]*person, visitors)
	var wg sync.WaitGroup
	loginErrs := make(chan error, visitors)
	for i := range people {
		people[i] = newPerson(fmt.Sprintf("visitor%02d", i), transport)
		wg.Go(func() { loginErrs <- people[i].logIn(first.URL, provider) })
	}
	wg.Wait()
	close(loginErrs)
	for err := range loginErrs {
		if err != nil {
			t.Fatal(err)
		}
	}

	// Then, from one goroutine each, every visitor keeps reading its home
	// page while a second tab of theirs (its own jar: a login in another
	// browser) keeps starting logins. Each start rewrites that tab's session
	// file with one more pending login (at most five, the oldest dropped).
	// The goroutine whose write is the writesBeforeKill-th acknowledged one
	// kills the app at once, while the others' requests are in flight.
	var (
		acked, started, failedEarly atomic.Int64
		killed                      atomic.Bool
		killOnce                    sync.Once
	)
	kill := func() {
		killOnce.Do(func() {
			killed.Store(true)
			t.Logf("SIGKILL after %d acknowledged writes, %d started", acked.Load(), started.Load())
			first.cmd.Process.Signal(syscall.SIGKILL)
		})
	}
	tabs := make([]*person, visitors)
	lastAcked := make([]string, visitors) // each tab's last acknowledged authorization URL
	for i := range visitors {
		tabs[i] = newPerson(fmt.Sprintf("tab%02d", i), transport)
		wg.Go(func() {
			for range maxRequests {
				started.Add(1)
				authorizeURL, err := tabs[i].startLogin(first.URL, provider)
				if err != nil {
					if !killed.Load() {
						failedEarly.Add(1)
						t.Errorf("before the kill: %v", err)
					}
					return
				}
				lastAcked[i] = authorizeURL
				if acked.Add(1) == writesBeforeKill {
					kill()
				}
			}
		})
		wg.Go(func() {
			for range maxRequests {
				if err := people[i].expectHome(first.URL); err != nil {
					if !killed.Load() {
						t.Errorf("before the kill: %v", err)
					}
					return
				}
			}
		})
	}
	wg.Wait()
	if !killed.Load() {
		t.Fatalf("only %d writes were acknowledged; the app was never killed", acked.Load())
	}
	first.wait(t)
	if failedEarly.Load() > 0 {
		t.FailNow()
	}

	// No torn file: every session file is a whole record. A temporary file
	// the crash left behind is allowed: it is never read as a session (its
	// name is no HMAC), and its name records when it was made, so the sweep
	// removes it once it is a minute old.
	files, others := readSessionFiles(t, opts.SessionDir)
	tempName := regexp.MustCompile(`^tmp-([0-9]+)-[0-9a-f]{16}$`)
	for _, name := range others {
		m := tempName.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("unexpected file %q in the session directory", name)
			continue
		}
		nanos, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || time.Unix(0, nanos).After(time.Now()) {
			t.Errorf("temporary file %q does not record a past creation time, so the sweep would never remove it", name)
		}
	}
	t.Logf("after the kill: %d session files, %d temporary files left", len(files), len(others))

	// A restart on the same directory and key keeps every acknowledged
	// login, and every acknowledged pending login: the newest one each tab
	// was told about can still be completed.
	second := startProc(t, opts)
	for _, p := range people {
		if err := p.expectHome(second.URL); err != nil {
			t.Errorf("after the restart: %v", err)
		}
	}
	completed := 0
	for i, tab := range tabs {
		if lastAcked[i] == "" {
			continue
		}
		callbackURL, err := tab.approve(lastAcked[i])
		if err == nil {
			err = tab.finishLogin(callbackURL)
		}
		if err == nil {
			err = tab.expectHome(second.URL)
		}
		if err != nil {
			t.Errorf("completing the last acknowledged login after the restart: %v", err)
			continue
		}
		completed++
	}
	if completed == 0 {
		t.Error("no tab had an acknowledged login start")
	}
}

// TestGracefulShutdownFinishesCallbackInFlight sends SIGTERM while a login
// callback waits for the provider's token endpoint: the app stops taking
// connections at once, finishes the callback, stops its session sweeper
// and exits with code 0.
func TestGracefulShutdownFinishesCallbackInFlight(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	tokenCalled := make(chan struct{}, 1)
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseToken := func() { releaseOnce.Do(func() { close(release) }) }
	provider := startProvider(t, "http://localhost:"+port+"/oauth/callback", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/token" {
				select {
				case tokenCalled <- struct{}{}:
				default:
				}
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	t.Cleanup(releaseToken) // runs before the provider's cleanup, so no handler is left waiting
	app := startProc(t, procOptions{Port: port, Provider: provider, Env: map[string]string{"SESSION_SWEEP_INTERVAL": "1s"}})
	// The sweeper is running: shutdown must stop it too.
	if _, err := app.waitLog(5*time.Second, msgIs("session sweep")); err != nil {
		t.Fatal(err)
	}

	ada := newPerson("ada", nil)
	authorizeURL, err := ada.startLogin(app.URL, provider)
	if err != nil {
		t.Fatal(err)
	}
	callbackURL, err := ada.approve(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	callbackDone := make(chan error, 1)
	go func() { callbackDone <- ada.finishLogin(callbackURL) }()
	select {
	case <-tokenCalled:
	case err := <-callbackDone:
		t.Fatalf("the callback ended before calling the token endpoint: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the callback did not reach the token endpoint")
	}

	mark := len(app.Logs())
	app.signal(t, syscall.SIGTERM)
	if _, err := app.waitLogFrom(mark, 5*time.Second, msgIs("shutting down: finishing requests in flight")); err != nil {
		t.Fatal(err)
	}
	refused := pollUntil(5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	if !refused {
		t.Error("new connections were still accepted 5 s after shutdown began")
	}
	select {
	case <-app.exited:
		t.Fatalf("the app exited (%v) with a callback in flight", app.waitErr)
	default:
	}

	releaseToken()
	select {
	case err := <-callbackDone:
		if err != nil {
			t.Errorf("the callback in flight during shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the callback did not finish after the token endpoint answered")
	}
	if code := app.wait(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if _, err := app.waitLogFrom(mark, time.Second, msgIs("stopped")); err != nil {
		t.Error(err)
	}
	// The login finished during the shutdown was saved.
	files, _ := readSessionFiles(t, app.SessionDir)
	loggedIn := 0
	for _, f := range files {
		if _, ok := f.Values["user"]; ok {
			loggedIn++
		}
	}
	if loggedIn != 1 {
		t.Errorf("%d logged-in session files after the shutdown, want 1", loggedIn)
	}
}

// TestTwoInstancesShareOneSessionDirectory runs two processes on one
// session directory with one key, as behind a load balancer without sticky
// sessions: a login started on one finishes on the other, and a session
// works, and ends, on both at once (#43).
func TestTwoInstancesShareOneSessionDirectory(t *testing.T) {
	portA := freePort(t)
	portB := freePort(t)
	for portB == portA {
		portB = freePort(t)
	}
	redirectURL := "http://localhost:" + portA + "/oauth/callback"
	provider := startProvider(t, redirectURL, nil)
	dir := filepath.Join(t.TempDir(), "sessions")
	env := map[string]string{"LOGIN_RATE_LIMIT": "0"}
	a := startProc(t, procOptions{Port: portA, SessionDir: dir, Provider: provider, Env: env})
	b := startProc(t, procOptions{Port: portB, SessionDir: dir, Provider: provider, RedirectURL: redirectURL, Env: env})

	// Started on A, finished on B: the provider redirects to A's callback,
	// and the balancer sends it to B.
	ada := newPerson("ada", nil)
	authorizeURL, err := ada.startLogin(a.URL, provider)
	if err != nil {
		t.Fatal(err)
	}
	callbackURL, err := ada.approve(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	u := mustParse(callbackURL)
	if u.Port() != portA {
		t.Fatalf("the provider redirected to %s, want instance A's callback", callbackURL)
	}
	u.Host = "localhost:" + portB
	mark := len(b.Logs())
	if err := ada.finishLogin(u.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.waitLogFrom(mark, time.Second, msgIs("login succeeded")); err != nil {
		t.Fatalf("instance B did not log the login: %v", err)
	}
	// Cookies belong to a host, not a port: the one cookie works on both.
	for _, inst := range []*proc{a, b} {
		if err := ada.expectHome(inst.URL); err != nil {
			t.Errorf("instance on port %s: %v", inst.Port, err)
		}
	}

	// Logout on B ends the session on A at once, even for a copy of the
	// cookie that the browser did not drop.
	cookie := ada.sessionCookieFor(a.URL)
	if err := ada.logOut(b.URL); err != nil {
		t.Fatal(err)
	}
	replay := newPerson("ada", nil)
	replay.client.Jar.SetCookies(mustParse(a.URL), []*http.Cookie{{Name: sessionCookie, Value: cookie}})
	if r, err := replay.get(a.URL + "/"); err != nil || r.status != http.StatusFound {
		t.Errorf("instance A after logout on B: %d, %v; want 302 to log in again", r.status, err)
	}
	if r, err := ada.get(a.URL + "/"); err != nil || r.status != http.StatusFound {
		t.Errorf("instance A after logout on B, same browser: %d, %v; want 302", r.status, err)
	}

	// Logins on A and page views on B of a user logged in earlier, at the
	// same time, do not disturb each other.
	bob := newPerson("bob", nil)
	if err := bob.logIn(b.URL, provider); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	others := make([]*person, 5)
	for i := range others {
		others[i] = newPerson(fmt.Sprintf("user%d", i), nil)
		wg.Go(func() { errs <- others[i].logIn(a.URL, provider) })
	}
	wg.Go(func() {
		for range 100 {
			if err := bob.expectHome(b.URL); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	for _, p := range others {
		wg.Go(func() { errs <- p.expectHome(b.URL) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestSessionDirectoryRemovedAtRunTime removes the session directory under
// a running app (an over-eager cleanup job, say), then puts it back.
func TestSessionDirectoryRemovedAtRunTime(t *testing.T) {
	t.Parallel()
	app := startProc(t, procOptions{})
	ada := newPerson("ada", nil)
	if err := ada.logIn(app.URL, app.ProviderURL); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(app.SessionDir); err != nil {
		t.Fatal(err)
	}

	// Ada's session went with its file, so she is anonymous, and the login
	// she is sent to cannot be saved: a clear 503 page, not a 500 or a
	// panic, and no redirect to a login that could never finish.
	r, err := ada.get(app.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "Sessions are unavailable") {
		t.Errorf("GET / without the session directory: %d to %q, want 503 with the error page\n%s", r.status, r.location, r.body)
	}
	if _, err := app.waitLog(time.Second, func(line string) bool {
		return strings.Contains(line, `"event":"session_store_error"`)
	}); err != nil {
		t.Errorf("the store failure was not logged: %v", err)
	}

	// The directory comes back.
	if err := os.Mkdir(app.SessionDir, 0o700); err != nil {
		t.Fatal(err)
	}
	bob := newPerson("bob", nil)
	err = bob.logIn(app.URL, app.ProviderURL)
	// The store picks up the recreated directory at the next write.
	if err != nil {
		t.Errorf("after the directory was recreated: %v", err)
	}
	if n := countEntries(t, app.SessionDir); n != 1 {
		t.Errorf("%d files in the recreated directory, want bob's session", n)
	}
	if r, err := bob.get(app.URL + "/healthz"); err != nil || r.status != http.StatusOK {
		t.Errorf("GET /healthz: %d, %v", r.status, err)
	}
	for _, line := range app.Logs() {
		if _, ok := parseLogRecord(line); !ok || strings.Contains(strings.ToLower(line), "panic") {
			t.Errorf("a panic, or a line that is not a JSON log record: %s", line)
		}
	}
}
