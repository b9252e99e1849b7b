package e2e

// Server hardening, checked through the real binary: the http.Server's
// limits, the routes' methods and body limits, the absence of debug
// endpoints, the security headers, what the log leaves out, the checks at
// start-up, and the bounds on session storage. Each test names the
// oauth/SECURITY.md item it covers.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dialApp opens a raw TCP connection to the app, which listens on
// 127.0.0.1, and closes it when the test ends.
func dialApp(t *testing.T, a *app) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+mustParse(a.URL).Port(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestChecklist52_SlowlorisHeaderTimeout sends a request's headers one
// byte at a time: the server must close the connection once its
// ReadHeaderTimeout (5 s) is up, not keep it open as long as bytes
// trickle in.
func TestChecklist52_SlowlorisHeaderTimeout(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	conn := dialApp(t, a)
	start := time.Now()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(conn) // until the server closes the connection
		closed <- b
	}()

	// The pause between bytes is the attack itself, not a wait for
	// anything: each byte is far inside any idle limit.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	header := "X-Slow: " + strings.Repeat("a", 1000)
	sent := 0
	for {
		select {
		case got := <-closed:
			t.Logf("closed after %v and %d header bytes; the server sent %q", time.Since(start).Round(time.Millisecond), sent, got)
			if strings.HasPrefix(string(got), "HTTP/1.1 2") || strings.HasPrefix(string(got), "HTTP/1.1 3") {
				t.Errorf("the unfinished request was answered as a complete one: %q", got)
			}
			return
		case <-deadline:
			t.Fatalf("the connection was still open after 15 s and %d header bytes", sent)
		case <-tick.C:
			if sent < len(header) {
				// A write error means the server has closed: the reader
				// above reports it.
				conn.Write([]byte{header[sent]})
				sent++
			}
		}
	}
}

// TestChecklist52_OversizedHeaderIs431 sends a Cookie header of 64 KiB,
// twice the server's MaxHeaderBytes of 32 KiB (Go's default is 1 MiB).
func TestChecklist52_OversizedHeaderIs431(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	conn := dialApp(t, a)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: localhost\r\nCookie: big=%s\r\n\r\n", strings.Repeat("a", 64<<10))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to a 64 KiB header: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB Cookie header: %d, want 431", resp.StatusCode)
	}
}

// TestChecklist53_LogoutBodyLimitAndMethods posts 10 MiB to /logout: the
// answer is 413 while the upload is still going, because the server stops
// reading after a few KiB. Only the expected method is allowed on each
// route.
func TestChecklist53_LogoutBodyLimitAndMethods(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	const size = 10 << 20
	conn := dialApp(t, a)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var written atomic.Int64
	go func() {
		fmt.Fprintf(conn, "POST /logout HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n",
			mustParse(a.URL).Host, size)
		chunk := []byte(strings.Repeat("a", 64<<10))
		for written.Load() < size {
			n, err := conn.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return // the server has closed the connection: expected
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to a 10 MiB POST: %v", err)
	}
	resp.Body.Close()
	t.Logf("answer %d after %d KiB of the body were sent", resp.StatusCode, written.Load()>>10)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /logout with 10 MiB: %d, want 413", resp.StatusCode)
	}

	for _, c := range []struct{ method, path string }{
		{http.MethodPut, "/oauth/callback"},
		{http.MethodPost, "/oauth/callback"},
		{http.MethodGet, "/logout"},
		{http.MethodPut, "/logout"},
	} {
		r, err := newPerson("", nil).request(c.method, a.URL+c.path, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, want 405", c.method, c.path, r.status)
		}
	}
}

// TestChecklist51_NoDebugEndpoints checks that neither net/http/pprof nor
// expvar is served.
func TestChecklist51_NoDebugEndpoints(t *testing.T) {
	a := startApp(t, appOptions{})
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=2", "/debug/vars"} {
		r, err := newPerson("", nil).get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
}

// TestChecklist55_SecurityHeaders checks the headers of the logged-in home
// page, the callback's error page, the provider-cancel page and the logout
// response.
func TestChecklist55_SecurityHeaders(t *testing.T) {
	a := startApp(t, appOptions{})
	ada := newPerson("ada", nil)
	if err := ada.logIn(a.URL, a.ProviderURL); err != nil {
		t.Fatal(err)
	}
	home, err := ada.get(a.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	badCallback, err := ada.get(a.URL + "/oauth/callback?code=c&state=not-a-state-of-this-session")
	if err != nil {
		t.Fatal(err)
	}
	eve := newPerson("eve", nil)
	authorizeURL, err := eve.startLogin(a.URL, a.ProviderURL)
	if err != nil {
		t.Fatal(err)
	}
	cancelURL, err := eve.answer(authorizeURL, "cancel")
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := eve.get(cancelURL)
	if err != nil {
		t.Fatal(err)
	}
	logout, err := ada.request(http.MethodPost, a.URL+"/logout", url.Values{}, nil)
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name           string
		r              reply
		status         int
		referrerPolicy string
	}{
		{"home page, logged in", home, http.StatusOK, "strict-origin-when-cross-origin"},
		{"callback with a bad state", badCallback, http.StatusBadRequest, "no-referrer"},
		{"callback after cancelling at the provider", cancelled, http.StatusForbidden, "no-referrer"},
		{"logout", logout, http.StatusSeeOther, "strict-origin-when-cross-origin"},
	} {
		h := c.r.header
		if c.r.status != c.status {
			t.Errorf("%s: status %d, want %d", c.name, c.r.status, c.status)
		}
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", c.name, got)
		}
		if got := h.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q lacks frame-ancestors 'none'", c.name, got)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", c.name, got)
		}
		if got := h.Values("Referrer-Policy"); len(got) != 1 || got[0] != c.referrerPolicy {
			t.Errorf("%s: Referrer-Policy %q, want just %q", c.name, got, c.referrerPolicy)
		}
		if got := h.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS %q sent over plain http", c.name, got)
		}
	}
	// "cookies" would clear the cookies of every site in the registrable
	// domain; the session cookie is expired by name instead.
	if got := logout.header.Get("Clear-Site-Data"); strings.Contains(got, `"cookies"`) || !strings.Contains(got, `"cache"`) {
		t.Errorf(`logout: Clear-Site-Data %q, want "cache" and no "cookies"`, got)
	}
}

// TestChecklist58_LogsHoldNoSecrets logs in and out, and sends a forged
// callback, then checks every log line: no client secret, session key,
// session ID, code or state, and the callback's access-log record has
// the path only.
func TestChecklist58_LogsHoldNoSecrets(t *testing.T) {
	a := startApp(t, appOptions{})
	ada := newPerson("ada", nil)
	authorizeURL, err := ada.startLogin(a.URL, a.ProviderURL)
	if err != nil {
		t.Fatal(err)
	}
	preLogin := ada.sessionCookieFor(a.URL)
	callbackURL, err := ada.approve(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := ada.finishLogin(callbackURL); err != nil {
		t.Fatal(err)
	}
	if err := ada.expectHome(a.URL); err != nil {
		t.Fatal(err)
	}
	loggedIn := ada.sessionCookieFor(a.URL)
	// A forged callback, whose values are logged on a failure path.
	if r, err := ada.get(a.URL + "/oauth/callback?code=CANARY-code-4711&state=CANARY-state-4711"); err != nil || r.status != http.StatusBadRequest {
		t.Errorf("forged callback: %d, %v; want 400", r.status, err)
	}
	if err := ada.logOut(a.URL); err != nil {
		t.Fatal(err)
	}

	callback := mustParse(callbackURL).Query()
	secrets := map[string]string{
		"client secret":          procClientSecret,
		"session key":            procSecret,
		"pre-login session ID":   preLogin,
		"logged-in session ID":   loggedIn,
		"state":                  callback.Get("state"),
		"code":                   callback.Get("code"),
		"forged callback's code": "CANARY-code-4711",
		"forged state":           "CANARY-state-4711",
	}
	for what, value := range secrets {
		if len(value) < 8 {
			t.Fatalf("the %s %q is too short to look for", what, value)
		}
	}
	callbackRecords := 0
	for _, line := range a.Logs() {
		for what, value := range secrets {
			if strings.Contains(line, value) {
				t.Errorf("a log line contains the %s: %s", what, line)
			}
		}
		rec, ok := parseLogRecord(line)
		if !ok {
			t.Errorf("not a JSON log record: %s", line)
			continue
		}
		if rec.Msg == "request" && strings.HasPrefix(rec.Path, "/oauth/callback") {
			callbackRecords++
			if rec.Path != "/oauth/callback" || strings.Contains(line, "code=") || strings.Contains(line, "state=") {
				t.Errorf("the callback's access-log record carries its query: %s", line)
			}
		}
	}
	if callbackRecords != 2 {
		t.Errorf("%d access-log records for /oauth/callback, want 2", callbackRecords)
	}
}

// TestChecklist48_StartWithoutClientSecret starts the app without a
// client secret, and with an empty one: it must refuse, name the missing
// setting, and print no secret it was given.
func TestChecklist48_StartWithoutClientSecret(t *testing.T) {
	const canary = "CANARY-session-key-0123456789abcdefghijkl"
	for _, empty := range []bool{false, true} {
		env := validStartEnv(t, freePort(t))
		env["SECRET"] = canary
		delete(env, "CLIENT_SECRET")
		if empty {
			env["CLIENT_SECRET"] = ""
		}
		code, out := runFailingStart(t, env)
		if code == 0 {
			t.Errorf("CLIENT_SECRET unset (empty %v): exit code 0", empty)
		}
		if !strings.Contains(out, "CLIENT_SECRET") {
			t.Errorf("CLIENT_SECRET unset (empty %v): the message does not name it:\n%s", empty, out)
		}
		if strings.Contains(out, canary) {
			t.Errorf("CLIENT_SECRET unset (empty %v): the output shows SECRET's value:\n%s", empty, out)
		}
	}
}

// TestChecklist41_RefusesOpenSessionDirectory starts the app on a session
// directory that other users can write to, and on a symbolic link.
func TestChecklist41_RefusesOpenSessionDirectory(t *testing.T) {
	open := filepath.Join(t.TempDir(), "sessions")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil { // not subject to the umask, unlike Mkdir's mode
		t.Fatal(err)
	}
	env := validStartEnv(t, freePort(t))
	env["SESSION_DIR"] = open
	code, out := runFailingStart(t, env)
	if code == 0 || !strings.Contains(out, "0777") || !strings.Contains(out, "other users must have no access") {
		t.Errorf("SESSION_DIR with mode 0777: exit code %d, want non-zero and a message naming the mode:\n%s", code, out)
	}

	real := filepath.Join(t.TempDir(), "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	env["SESSION_DIR"] = link
	code, out = runFailingStart(t, env)
	if code == 0 || !strings.Contains(out, "symbolic link") {
		t.Errorf("SESSION_DIR a symbolic link: exit code %d, want non-zero and a message saying so:\n%s", code, out)
	}
}

// TestChecklist14_RefusesPlainHTTPRedirectURL starts the app with a
// redirect URL on plain http to a host that is not loopback.
func TestChecklist14_RefusesPlainHTTPRedirectURL(t *testing.T) {
	env := validStartEnv(t, freePort(t))
	delete(env, "INSECURE_DEV_PROVIDER") // which needs a loopback redirect URL too: keep the one reason
	env["REDIRECT_URL"] = "http://app.example/oauth/callback"
	code, out := runFailingStart(t, env)
	if code == 0 || !strings.Contains(out, "REDIRECT_URL") || !strings.Contains(out, "https") {
		t.Errorf("REDIRECT_URL on plain http: exit code %d, want non-zero and a message naming REDIRECT_URL and https:\n%s", code, out)
	}
}

// TestChecklist45_HealthzCreatesNoSession sends 2,000 anonymous requests to
// /healthz: no session file may appear.
func TestChecklist45_HealthzCreatesNoSession(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	anonymous := newPerson("", nil)
	for i := range 2000 {
		r, err := anonymous.get(a.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusOK || r.header.Get("Set-Cookie") != "" {
			t.Fatalf("request %d to /healthz: %d, Set-Cookie %q", i, r.status, r.header.Get("Set-Cookie"))
		}
	}
	if n := countEntries(t, a.SessionDir); n != 0 {
		t.Errorf("%d files in the session directory after 2,000 requests to /healthz, want 0", n)
	}
}

// TestChecklist45_LoginRateLimitBoundsSessionFiles sends 100 anonymous
// page visits from one address, each a new visitor, with
// LOGIN_RATE_LIMIT=20: each allowed one costs a session file, and the
// rest get 429 with Retry-After, and no file. The callback shares the
// limit (#54).
func TestChecklist45_LoginRateLimitBoundsSessionFiles(t *testing.T) {
	const limit = 20
	a := startApp(t, appOptions{Env: map[string]string{"LOGIN_RATE_LIMIT": fmt.Sprint(limit)}})
	start := time.Now()
	started, refused := 0, 0
	for i := range 100 {
		r, err := newPerson("", nil).get(a.URL + "/") // no cookie: a new anonymous visitor each time
		if err != nil {
			t.Fatal(err)
		}
		switch r.status {
		case http.StatusFound:
			started++
		case http.StatusTooManyRequests:
			refused++
			if r.header.Get("Retry-After") == "" {
				t.Errorf("request %d: 429 without Retry-After", i)
			}
			if r.header.Get("Set-Cookie") != "" {
				t.Errorf("request %d: 429 with a session cookie", i)
			}
		default:
			t.Fatalf("request %d: %d, want 302 or 429", i, r.status)
		}
	}
	// The bucket refills at limit per minute while the requests run.
	allowed := limit + int(time.Since(start).Minutes()*limit)
	if started < limit || started > allowed {
		t.Errorf("%d logins started, want %d to %d", started, limit, allowed)
	}
	if refused != 100-started {
		t.Errorf("%d refused, want %d", refused, 100-started)
	}
	if n := countEntries(t, a.SessionDir); n != started {
		t.Errorf("%d session files after %d login starts, want one each", n, started)
	}
	r, err := newPerson("", nil).get(a.URL + "/oauth/callback?code=c&state=s")
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusTooManyRequests {
		t.Errorf("callback past the limit: %d, want 429", r.status)
	}
}

// TestChecklist37_CrossSiteLogoutRefused posts the logout form from
// another site: 403, and the session stays valid.
func TestChecklist37_CrossSiteLogoutRefused(t *testing.T) {
	a := startApp(t, appOptions{})
	ada := newPerson("ada", nil)
	if err := ada.logIn(a.URL, a.ProviderURL); err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Origin": {"https://evil.example"}},
	} {
		r, err := ada.request(http.MethodPost, a.URL+"/logout", url.Values{}, h)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusForbidden {
			t.Errorf("logout with %v: %d, want 403", h, r.status)
		}
		if err := ada.expectHome(a.URL); err != nil {
			t.Errorf("after a cross-site logout with %v: %v", h, err)
		}
	}
	// The same request from the site itself does log out.
	if err := ada.logOut(a.URL); err != nil {
		t.Fatal(err)
	}
	if r, err := ada.get(a.URL + "/"); err != nil || r.status != http.StatusFound {
		t.Errorf("after a same-origin logout: %d, %v; want 302", r.status, err)
	}
}
