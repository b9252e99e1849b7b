package e2e

// Helpers for process_test.go, hardening_test.go and load_test.go: a child
// process of the app that a test controls more closely than startApp allows
// (a chosen port and session directory, an external provider, SIGKILL,
// SIGTERM and its exit code), and a visitor that reports errors instead of
// failing the test, so that many of them can run in goroutines.

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

const (
	procSecret       = "e2e-session-key-0123456789abcdef0123456789" // SECRET, as startApp sets it
	procClientSecret = "local-dev-secret-not-a-real-secret"         // CLIENT_SECRET, as startApp sets it
	procExitTimeout  = 10 * time.Second                             // from a signal to the process's exit
)

// procOptions say how to start a child process of the app.
type procOptions struct {
	Port        string            // the port to listen on (127.0.0.1); a free one when empty
	SessionDir  string            // SESSION_DIR; a fresh one when empty
	Provider    string            // base URL of an external provider; the built-in development provider when empty
	RedirectURL string            // REDIRECT_URL; http://localhost:PORT/oauth/callback when empty
	Env         map[string]string // extra or overriding environment variables
}

// proc is one child process of the app. Unlike startApp's app, it may be
// killed, stopped or restarted by the test itself; whatever the test does,
// the process is killed when the test ends.
type proc struct {
	URL         string // http://localhost:PORT
	ProviderURL string // the provider's base URL: the development provider's, or the external one's
	Port        string
	SessionDir  string

	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has exited and all its output is read
	waitErr error         // read only after exited is closed

	mu      sync.Mutex
	logs    []string
	newLine chan struct{} // closed and replaced whenever a log line arrives
}

// startProc starts the built app as startApp does (the same environment
// variables), with the changes opts asks for, and waits for its
// "listening" log record.
func startProc(t *testing.T, opts procOptions) *proc {
	t.Helper()
	binary, err := buildApp()
	if err != nil {
		t.Fatalf("building the app: %v", err)
	}
	port := opts.Port
	if port == "" {
		port = freePort(t)
	}
	home := t.TempDir() // the working directory too, so that no env/*/.env file is found
	p := &proc{
		URL:        "http://localhost:" + port,
		Port:       port,
		SessionDir: opts.SessionDir,
		exited:     make(chan struct{}),
		newLine:    make(chan struct{}),
	}
	if p.SessionDir == "" {
		p.SessionDir = filepath.Join(home, "sessions")
	}
	env := map[string]string{
		"ENVIRONMENT":   "e2e",
		"ADDR":          "127.0.0.1:" + port,
		"CLIENT_ID":     "local-dev-client",
		"CLIENT_SECRET": procClientSecret,
		"REDIRECT_URL":  p.URL + "/oauth/callback",
		"SECRET":        procSecret,
		"SESSION_DIR":   p.SessionDir,
		"LOG_LEVEL":     "debug",
		"HOME":          home,
		"PATH":          os.Getenv("PATH"),
	}
	if opts.Provider == "" {
		p.ProviderURL = "http://127.0.0.1:" + port + "/dev/oauth"
		env["INSECURE_DEV_PROVIDER"] = "true"
	} else {
		p.ProviderURL = opts.Provider
	}
	env["AUTHORIZE_URL"] = p.ProviderURL + "/authorize"
	env["TOKEN_URL"] = p.ProviderURL + "/token"
	env["USER_URL"] = p.ProviderURL + "/user"
	if opts.RedirectURL != "" {
		env["REDIRECT_URL"] = opts.RedirectURL
	}
	maps.Copy(env, opts.Env)

	p.cmd = exec.Command(binary)
	p.cmd.Dir = home
	for name, value := range env {
		p.cmd.Env = append(p.cmd.Env, name+"="+value)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting the app: %v", err)
	}
	go p.readLogs(stderr)
	t.Cleanup(func() {
		p.cmd.Process.Kill() // an error only says it has exited already
		select {
		case <-p.exited:
		case <-time.After(procExitTimeout):
			t.Errorf("the app (pid %d) did not exit after SIGKILL", p.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("the app's last log lines (port %s):\n%s", p.Port, p.lastLines(30))
		}
	})
	if _, err := p.waitLog(appStartTimeout, msgIs("listening")); err != nil {
		t.Fatalf("starting the app: %v", err)
	}
	return p
}

func (p *proc) readLogs(stderr io.Reader) {
	lines := bufio.NewScanner(stderr)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		p.mu.Lock()
		p.logs = append(p.logs, lines.Text())
		close(p.newLine)
		p.newLine = make(chan struct{})
		p.mu.Unlock()
	}
	io.Copy(io.Discard, stderr) // a line too long for the scanner must not block the app
	p.waitErr = p.cmd.Wait()
	close(p.exited)
}

// Logs returns the lines the app has written to stderr so far.
func (p *proc) Logs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.logs...)
}

func (p *proc) lastLines(n int) string {
	logs := p.Logs()
	return strings.Join(logs[max(0, len(logs)-n):], "\n")
}

// logRecord is the part of a JSON log record that the tests look at.
type logRecord struct {
	Msg    string `json:"msg"`
	Level  string `json:"level"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
}

func parseLogRecord(line string) (logRecord, bool) {
	var r logRecord
	return r, json.Unmarshal([]byte(line), &r) == nil
}

// msgIs matches a log record by its message.
func msgIs(msg string) func(string) bool {
	return func(line string) bool {
		r, ok := parseLogRecord(line)
		return ok && r.Msg == msg
	}
}

// waitLogFrom waits until a log line from index from on matches, and returns
// its index. It fails if the process exits or the time is up first.
func (p *proc) waitLogFrom(from int, timeout time.Duration, match func(string) bool) (int, error) {
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		for i := from; i < len(p.logs); i++ {
			if match(p.logs[i]) {
				p.mu.Unlock()
				return i, nil
			}
		}
		from = len(p.logs)
		changed := p.newLine
		p.mu.Unlock()
		select {
		case <-changed:
		case <-p.exited:
			// The last lines may have arrived together with the exit.
			p.mu.Lock()
			for i := from; i < len(p.logs); i++ {
				if match(p.logs[i]) {
					p.mu.Unlock()
					return i, nil
				}
			}
			p.mu.Unlock()
			return 0, fmt.Errorf("the app exited (%v) before the awaited log line; its last lines:\n%s", p.waitErr, p.lastLines(20))
		case <-deadline:
			return 0, fmt.Errorf("no awaited log line within %v; the app's last lines:\n%s", timeout, p.lastLines(20))
		}
	}
}

// waitLog waits until any log line matches; see waitLogFrom.
func (p *proc) waitLog(timeout time.Duration, match func(string) bool) (int, error) {
	return p.waitLogFrom(0, timeout, match)
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %v to the app: %v", sig, err)
	}
}

// wait waits for the process to exit and returns its exit code, or -1 if a
// signal ended it.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(procExitTimeout):
		t.Fatalf("the app did not exit within %v; its last log lines:\n%s", procExitTimeout, p.lastLines(20))
		return 0
	}
}

// runFailingStart runs the app with exactly env (plus PATH and HOME) and
// expects it to refuse to start: it must exit by itself, with a non-zero
// code, within appStartTimeout. It returns the exit code and all output.
func runFailingStart(t *testing.T, env map[string]string) (code int, output string) {
	t.Helper()
	binary, err := buildApp()
	if err != nil {
		t.Fatalf("building the app: %v", err)
	}
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), appStartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary)
	cmd.Dir = home
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
	for name, value := range env {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	out, _ := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the app was still running after %v: it started despite the bad settings; output:\n%s", appStartTimeout, out)
	}
	if !cmd.ProcessState.Exited() {
		t.Fatalf("the app did not exit by itself (%v); output:\n%s", cmd.ProcessState, out)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// validStartEnv is a complete, valid environment for the app with the
// development provider on port; tests change one thing in it.
func validStartEnv(t *testing.T, port string) map[string]string {
	base := "http://127.0.0.1:" + port + "/dev/oauth"
	return map[string]string{
		"ENVIRONMENT":           "e2e",
		"ADDR":                  "127.0.0.1:" + port,
		"CLIENT_ID":             "local-dev-client",
		"CLIENT_SECRET":         procClientSecret,
		"AUTHORIZE_URL":         base + "/authorize",
		"TOKEN_URL":             base + "/token",
		"USER_URL":              base + "/user",
		"REDIRECT_URL":          "http://localhost:" + port + "/oauth/callback",
		"SECRET":                procSecret,
		"INSECURE_DEV_PROVIDER": "true",
		"SESSION_DIR":           filepath.Join(t.TempDir(), "sessions"),
		"LOG_LEVEL":             "debug",
	}
}

// startProvider starts an oauthtest provider in the test process for the
// client that startProc configures, with redirectURL as its one redirect
// URI. wrap, if not nil, wraps its handler. The provider stops when the
// test ends.
func startProvider(t *testing.T, redirectURL string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = oauthtest.New(oauthtest.Config{
		ClientID: "local-dev-client", ClientSecret: procClientSecret, RedirectURL: redirectURL,
	})
	if wrap != nil {
		h = wrap(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// person is one browser with its own cookie jar, logging in under its own
// name. Its methods return errors instead of failing the test, so that it
// can run in a goroutine of its own. Redirects are reported, not followed.
type person struct {
	name   string
	client *http.Client
}

// newPerson makes a browser for name. transport may be nil for the
// default one.
func newPerson(name string, transport http.RoundTripper) *person {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New never fails without options
	}
	return &person{name: name, client: &http.Client{
		Jar:           jar,
		Transport:     transport,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// reply is what came back from one request.
type reply struct {
	status   int
	header   http.Header
	body     string
	location string
}

func (p *person) request(method, target string, form url.Values, header http.Header) (reply, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return reply{}, err
	}
	maps.Copy(req.Header, header)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: reading the body: %w", method, target, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b), location: resp.Header.Get("Location")}, nil
}

func (p *person) get(target string) (reply, error) {
	return p.request(http.MethodGet, target, nil, nil)
}

// startLogin opens appURL's home page as an anonymous visitor and returns
// the authorization URL the app redirects to.
func (p *person) startLogin(appURL, providerURL string) (string, error) {
	r, err := p.get(appURL + "/")
	if err != nil {
		return "", err
	}
	if r.status != http.StatusFound || !strings.HasPrefix(r.location, providerURL+"/authorize?") {
		return "", fmt.Errorf("%s: GET / answered %d to %q, want 302 to the provider", p.name, r.status, r.location)
	}
	return r.location, nil
}

// approve signs in at the provider as p.name, as a person does: it opens
// the sign-in page, and sends its form with the user name and the Approve
// button. It returns the callback URL the provider redirects to.
func (p *person) approve(authorizeURL string) (string, error) {
	return p.answer(authorizeURL, "approve")
}

// answer opens the provider's sign-in page and presses one of its buttons:
// "approve" or "cancel".
func (p *person) answer(authorizeURL, action string) (string, error) {
	page, err := p.get(authorizeURL)
	if err != nil {
		return "", err
	}
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="approve"`) {
		return "", fmt.Errorf("%s: the provider's sign-in page: %d\n%s", p.name, page.status, page.body)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page.body, -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("username", p.name)
	form.Set("action", action)
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return "", err
	}
	u.RawQuery = ""
	r, err := p.request(http.MethodPost, u.String(), form, nil)
	if err != nil {
		return "", err
	}
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/oauth/callback?") {
		return "", fmt.Errorf("%s: the provider answered %d to %q, want 303 to the callback\n%s", p.name, r.status, r.location, r.body)
	}
	return r.location, nil
}

// finishLogin opens the callback URL and expects the 303 of a login that
// succeeded.
func (p *person) finishLogin(callbackURL string) error {
	r, err := p.get(callbackURL)
	if err != nil {
		return err
	}
	if r.status != http.StatusSeeOther {
		return fmt.Errorf("%s: the callback answered %d, want 303\n%s", p.name, r.status, r.body)
	}
	return nil
}

// logIn logs in on the app at appURL through the provider at providerURL
// and checks that the home page then greets p.name.
func (p *person) logIn(appURL, providerURL string) error {
	authorizeURL, err := p.startLogin(appURL, providerURL)
	if err != nil {
		return err
	}
	callbackURL, err := p.approve(authorizeURL)
	if err != nil {
		return err
	}
	if err := p.finishLogin(callbackURL); err != nil {
		return err
	}
	return p.expectHome(appURL)
}

// expectHome checks that appURL's home page greets p.name, and no one else.
func (p *person) expectHome(appURL string) error {
	r, err := p.get(appURL + "/")
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("%s: GET / answered %d to %q, want 200 with the home page", p.name, r.status, r.location)
	}
	if got := greeting(r.body); got != p.name {
		return fmt.Errorf("%s: the home page greets %q", p.name, got)
	}
	return nil
}

// logOut posts the logout form as a same-origin page would.
func (p *person) logOut(appURL string) error {
	r, err := p.request(http.MethodPost, appURL+"/logout", url.Values{}, nil)
	if err != nil {
		return err
	}
	if r.status != http.StatusSeeOther {
		return fmt.Errorf("%s: logout answered %d, want 303\n%s", p.name, r.status, r.body)
	}
	return nil
}

// sessionCookieFor returns the session cookie p's jar holds for rawURL, or "".
func (p *person) sessionCookieFor(rawURL string) string {
	for _, c := range p.client.Jar.Cookies(mustParse(rawURL)) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// greeting returns the user name in the home page's <h1>Hello, NAME</h1>,
// or "" if the page has none.
func greeting(body string) string {
	_, rest, ok := strings.Cut(body, "<h1>Hello, ")
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, "</h1>")
	if !ok {
		return ""
	}
	return name
}

// sessionFile is what the tests read from a session file: the record's
// envelope, with the values left encoded.
type sessionFile struct {
	Version int                        `json:"v"`
	Created int64                      `json:"created"`
	Seen    int64                      `json:"seen"`
	Values  map[string]json.RawMessage `json:"values"`
}

// isSessionFileName reports whether name has the shape of a session file's
// name: 64 lowercase hex digits, an HMAC-SHA-256.
func isSessionFileName(name string) bool {
	_, err := hex.DecodeString(name)
	return len(name) == 64 && err == nil && strings.ToLower(name) == name
}

// readSessionFiles reads every session file in dir and fails the test on
// one that is not a whole, current record.
func readSessionFiles(t *testing.T, dir string) (files map[string]sessionFile, others []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files = make(map[string]sessionFile)
	for _, e := range entries {
		if !isSessionFileName(e.Name()) {
			others = append(others, e.Name())
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // removed meanwhile by a running app
		}
		if err != nil {
			t.Fatal(err)
		}
		var f sessionFile
		if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 || f.Created <= 0 || f.Seen < f.Created {
			t.Errorf("session file %s is not a whole record (%v): %q", e.Name(), err, b)
			continue
		}
		files[e.Name()] = f
	}
	return files, others
}

// countEntries counts the entries of dir.
func countEntries(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// pollUntil calls cond until it returns true or the time is up, and
// reports whether it did. It checks every 20 ms: the condition is on
// another process, which gives this one no channel to wait on.
func pollUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.After(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-tick.C:
		case <-deadline:
			return cond()
		}
	}
}
