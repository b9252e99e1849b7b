package e2e

// The app run as a service (issue 21), through the binary: metrics on a
// listener of their own, /readyz, the -check command, and a shutdown
// under load. TLS is in tls_test.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"oauthlogin/oauth/metrics/metricstest"
	"oauthlogin/oauth/oauthtest"
)

// scrapeMetrics reads the app's metrics page, fails the test unless it is
// the text format to the letter (metricstest's strict reader, and
// promtool where installed), and returns its families.
func scrapeMetrics(t *testing.T, metricsURL string) metricstest.Families {
	t.Helper()
	r, err := newPerson("prometheus", nil).get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("GET %s: %d, Content-Type %q", metricsURL, r.status, r.header.Get("Content-Type"))
	}
	families, err := metricstest.Parse(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("the metrics page is not the text format: %v\n%s", err, r.body)
	}
	promtoolCheck(t, r.body)
	return families
}

// promtoolCheck runs Prometheus's own checker on a metrics page. It is
// skipped where promtool is missing, except in CI, which installs it.
func promtoolCheck(t *testing.T, page string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is missing; .ci/run installs it (apt-get install prometheus)")
		}
		t.Log("promtool is missing, so only the strict reader checked the page; to run it too: " +
			"apt-get install --no-install-recommends prometheus")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestIssue21_MetricsShowALogin logs a person in and out through the
// binary and reads the counters move on the metrics listener, which is
// not the public one.
func TestIssue21_MetricsShowALogin(t *testing.T) {
	t.Parallel()
	metricsURL := "http://127.0.0.1:" + freePort(t) + "/metrics"
	app := startProc(t, procOptions{Env: map[string]string{
		"METRICS_ADDR": strings.TrimSuffix(strings.TrimPrefix(metricsURL, "http://"), "/metrics"),
	}})
	before := scrapeMetrics(t, metricsURL)

	ada := newPerson("ada", nil)
	if err := ada.logIn(app.URL, app.ProviderURL); err != nil {
		t.Fatal(err)
	}
	if err := ada.logOut(app.URL); err != nil {
		t.Fatal(err)
	}
	// A callback without a session cookie is refused, with its reason.
	if r, err := newPerson("eve", nil).get(app.URL + "/oauth/callback?state=forged&code=x"); err != nil || r.status != http.StatusBadRequest {
		t.Fatalf("a forged callback: %v, %v; want 400", r.status, err)
	}
	// Paths from visitors are no label values.
	for _, path := range []string{"/no-such-page", "/a/b/c", "/%2e%2e/etc/passwd", "/nothing?x=<script>"} {
		if _, err := newPerson("", nil).get(app.URL + path); err != nil {
			t.Fatal(err)
		}
	}
	after := scrapeMetrics(t, metricsURL)

	moved := func(name string, labels map[string]string) float64 {
		a, _ := after.Value(name, labels)
		b, _ := before.Value(name, labels)
		return a - b
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"oauthlogin_events_total", map[string]string{"event": "login_started", "reason": ""}, 1},
		{"oauthlogin_events_total", map[string]string{"event": "login_succeeded", "reason": ""}, 1},
		{"oauthlogin_events_total", map[string]string{"event": "logout", "reason": ""}, 1},
		{"oauthlogin_events_total", map[string]string{"event": "callback_rejected", "reason": "session_cookie_missing"}, 1},
		{"oauthlogin_provider_request_duration_seconds_count", map[string]string{"endpoint": "token", "code": "2xx"}, 1},
		{"oauthlogin_provider_request_duration_seconds_count", map[string]string{"endpoint": "user", "code": "2xx"}, 1},
	} {
		if got := moved(c.name, c.labels); got != c.want {
			t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"oauthlogin_http_requests_total", map[string]string{"code": "2xx"}}, // the home page
		{"oauthlogin_http_requests_total", map[string]string{"code": "3xx"}}, // the redirects of the login
		{"oauthlogin_http_requests_total", map[string]string{"code": "4xx"}}, // the forged callback, the 404s
		{"oauthlogin_session_store_duration_seconds_count", map[string]string{"op": "load"}},
		{"oauthlogin_session_store_duration_seconds_count", map[string]string{"op": "save"}},
		{"oauthlogin_session_store_duration_seconds_count", map[string]string{"op": "delete"}},
	} {
		if got := moved(c.name, c.labels); got < 1 {
			t.Errorf("%s%v did not move", c.name, c.labels)
		}
	}
	if errs := after.Sum("oauthlogin_session_store_errors_total", nil); errs != 0 {
		t.Errorf("%v session store errors", errs)
	}
	if f := after["oauthlogin_pending_logins"]; f == nil || f.Type != "gauge" {
		t.Error("no gauge oauthlogin_pending_logins, with MAX_PENDING_SESSIONS at its default")
	}
	if v, _ := after.Value("go_goroutines", nil); v < 1 {
		t.Errorf("go_goroutines = %v", v)
	}
	for _, f := range after {
		for _, s := range f.Samples {
			for name, value := range s.Labels {
				if strings.ContainsAny(value, "/<?") || strings.Contains(value, "ada") {
					t.Errorf("%s has label %s=%q, which came from a request", s.Name, name, value)
				}
			}
		}
	}

	// Not on the public listener.
	if r, err := newPerson("", nil).get(app.URL + "/metrics"); err != nil || r.status != http.StatusNotFound {
		t.Errorf("GET /metrics on the public listener: %d, %v; want 404", r.status, err)
	}
}

// TestIssue21_MetricsAddrLoopbackOnly: the metrics say how busy the site
// is and how its logins fail, so METRICS_ADDR is refused off loopback
// unless INSECURE_METRICS_PUBLIC says it is meant.
func TestIssue21_MetricsAddrLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:9100", ":9100", "[::]:9100", "192.0.2.1:9100", "metrics.example:9100"} {
		env := validStartEnv(t, freePort(t))
		env["METRICS_ADDR"] = addr
		code, output := runFailingStart(t, env)
		if code == 0 || !strings.Contains(output, "METRICS_ADDR") || !strings.Contains(output, "INSECURE_METRICS_PUBLIC") {
			t.Errorf("METRICS_ADDR=%s: exit %d, want a refusal naming METRICS_ADDR and INSECURE_METRICS_PUBLIC:\n%s",
				addr, code, output)
		}
	}
	// Stated explicitly, it is allowed; -check says so without listening.
	env := validStartEnv(t, freePort(t))
	env["METRICS_ADDR"] = "0.0.0.0:9100"
	env["INSECURE_METRICS_PUBLIC"] = "true"
	if code, output := runCheck(t, env); code != 0 {
		t.Errorf("METRICS_ADDR=0.0.0.0:9100 with INSECURE_METRICS_PUBLIC=true: -check exit %d:\n%s", code, output)
	}
}

// readyz asks the app's /readyz, as a load balancer does.
func readyz(t *testing.T, appURL string) reply {
	t.Helper()
	r, err := newPerson("load balancer", nil).get(appURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestIssue21_ReadyzFollowsTheSessionDirectory removes the session
// directory under a running app: /readyz says so, /healthz (liveness)
// does not, and both come back with the directory. The checks touch no
// session and are logged below info.
func TestIssue21_ReadyzFollowsTheSessionDirectory(t *testing.T) {
	t.Parallel()
	app := startProc(t, procOptions{})
	if r := readyz(t, app.URL); r.status != http.StatusOK || r.body != "ready\n" {
		t.Fatalf("/readyz of a fresh app: %d %q", r.status, r.body)
	}
	if err := os.RemoveAll(app.SessionDir); err != nil {
		t.Fatal(err)
	}
	var last reply
	if !pollUntil(5*time.Second, func() bool { last = readyz(t, app.URL); return last.status == http.StatusServiceUnavailable }) {
		t.Fatalf("/readyz with the session directory gone: %d %q, want 503", last.status, last.body)
	}
	if last.body != "not ready: the session store does not answer\n" {
		t.Errorf("/readyz says %q", last.body)
	}
	if r, err := newPerson("", nil).get(app.URL + "/healthz"); err != nil || r.status != http.StatusOK {
		t.Errorf("/healthz with the session directory gone: %d, %v; want 200, the process is alive", r.status, err)
	}
	if _, err := app.waitLog(time.Second, msgIs("not ready")); err != nil {
		t.Error(err)
	}

	if err := os.Mkdir(app.SessionDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if !pollUntil(5*time.Second, func() bool { last = readyz(t, app.URL); return last.status == http.StatusOK }) {
		t.Fatalf("/readyz with the directory back: %d %q, want 200", last.status, last.body)
	}
	for range 20 {
		if r := readyz(t, app.URL); r.header.Get("Set-Cookie") != "" {
			t.Fatalf("/readyz set a cookie: %q", r.header.Get("Set-Cookie"))
		}
	}
	if n := countEntries(t, app.SessionDir); n != 0 {
		t.Errorf("%d entries in the session directory after the probes, want 0", n)
	}
	for _, line := range app.Logs() {
		if r, ok := parseLogRecord(line); ok && r.Path == "/readyz" && r.Level != "DEBUG" {
			t.Errorf("a probe logged at %s: %s", r.Level, line)
		}
	}
}

// TestIssue21_ReadyzFollowsRedis stops Redis under a running app and
// starts it again: /readyz follows.
func TestIssue21_ReadyzFollowsRedis(t *testing.T) {
	t.Parallel()
	redis := startRedisServer(t, false)
	app := startProc(t, procOptions{Env: redisEnv(redis)})
	if r := readyz(t, app.URL); r.status != http.StatusOK {
		t.Fatalf("/readyz with Redis up: %d %q", r.status, r.body)
	}
	redis.stop()
	var last reply
	if !pollUntil(10*time.Second, func() bool { last = readyz(t, app.URL); return last.status == http.StatusServiceUnavailable }) {
		t.Fatalf("/readyz with Redis down: %d %q, want 503", last.status, last.body)
	}
	if last.body != "not ready: the session store does not answer\n" {
		t.Errorf("/readyz says %q", last.body)
	}
	if strings.Contains(last.body, redis.port) || strings.Contains(last.body, redisPassword) {
		t.Errorf("/readyz, a public page, names Redis: %q", last.body)
	}
	redis.start()
	if !pollUntil(10*time.Second, func() bool { last = readyz(t, app.URL); return last.status == http.StatusOK }) {
		t.Fatalf("/readyz with Redis back: %d %q, want 200", last.status, last.body)
	}
}

// startOpenIDProvider serves an OpenID Connect test provider for the
// client of oidcEnv and the app at appURL; while keysDown is true, its
// key set answers 503.
func startOpenIDProvider(t *testing.T, appURL string, keysDown *atomic.Bool) (*oauthtest.Provider, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	provider := oauthtest.New(oauthtest.Config{ClientID: "e2e-client", ClientSecret: "e2e-secret",
		RedirectURL: appURL + "/oauth/callback", OpenID: true, Issuer: issuer, AutoApprove: "ada"})
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/jwks" && keysDown.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		provider.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return provider, issuer
}

// TestIssue21_ReadyzWaitsForTheProvidersKeys: with OpenID Connect, an
// instance that cannot get the provider's signing keys can finish no
// login, so it is not ready; one that can fetches them at the first
// probe, before any visitor needs them.
func TestIssue21_ReadyzWaitsForTheProvidersKeys(t *testing.T) {
	t.Parallel()
	for _, down := range []bool{true, false} {
		port := freePort(t)
		var keysDown atomic.Bool
		keysDown.Store(down)
		provider, issuer := startOpenIDProvider(t, "http://localhost:"+port, &keysDown)
		env := oidcEnv(port, issuer)
		app := startProc(t, procOptions{Port: port, Provider: issuer, Env: env})
		r := readyz(t, app.URL)
		switch {
		case down && (r.status != http.StatusServiceUnavailable ||
			r.body != "not ready: the OpenID Connect provider's signing keys are not at hand\n"):
			t.Errorf("/readyz with the key set down: %d %q", r.status, r.body)
		case !down && r.status != http.StatusOK:
			t.Errorf("/readyz with the key set up: %d %q", r.status, r.body)
		case !down && provider.JWKSCalls() != 1:
			t.Errorf("the provider's keys were fetched %d times by the first probe, want 1", provider.JWKSCalls())
		}
	}
}

// runCheck runs "app -check" with exactly env (plus PATH and HOME), in a
// directory of its own, and returns its exit code and output.
func runCheck(t *testing.T, env map[string]string) (code int, output string) {
	t.Helper()
	binary, err := buildApp()
	if err != nil {
		t.Fatalf("building the app: %v", err)
	}
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), appStartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "-check")
	cmd.Dir = home
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
	for name, value := range env {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if ctx.Err() != nil || err != nil && !errors.As(err, &exit) {
		t.Fatalf("-check did not finish by itself (%v); output:\n%s", err, out)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// TestIssue21_CheckCommand: -check reads the settings as start-up does,
// tries what they point at, prints the start-up summary and every
// problem, and exits 0 or 1, without listening or touching a session.
func TestIssue21_CheckCommand(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	env := validStartEnv(t, port)
	code, output := runCheck(t, env)
	if code != 0 {
		t.Fatalf("-check of valid settings: exit %d\n%s", code, output)
	}
	lines := strings.Split(strings.TrimSpace(output), "\n")
	var keys []string
	for _, line := range lines[:len(lines)-1] {
		key, _, _ := strings.Cut(line, ":")
		keys = append(keys, key)
	}
	if want := []string{"environment", "env_file_found", "provider", "redirect_url", "session_dir"}; !slices.Equal(keys, want) ||
		lines[len(lines)-1] != "oauthlogin -check: ok" {
		t.Errorf("-check printed\n%s\nwant the five lines of the start-up summary (%v) and ok", output, want)
	}
	if !strings.Contains(output, "redirect_url:   http://localhost:"+port+"/oauth/callback\n") {
		t.Errorf("-check does not show REDIRECT_URL:\n%s", output)
	}
	for _, bad := range []string{`"msg":"listening"`, "development provider mounted"} {
		if strings.Contains(output, bad) {
			t.Errorf("-check went on to start the app (%q):\n%s", bad, output)
		}
	}
	if files, others := readSessionFiles(t, env["SESSION_DIR"]); len(files)+len(others) != 0 {
		t.Errorf("-check left %d sessions and %v in the session directory", len(files), others)
	}

	aFile := filepath.Join(t.TempDir(), "file")
	writeFile(t, aFile, "not a directory")
	for _, c := range []struct {
		name   string
		change map[string]string
		want   []string // each in the output
	}{
		{"two bad values", map[string]string{"CLIENT_ID": "", "SESSION_IDLE_TIMEOUT": "soon"},
			[]string{"CLIENT_ID", "SESSION_IDLE_TIMEOUT"}},
		{"Redis not answering", map[string]string{"SESSION_STORE": "redis",
			"REDIS_URL": "redis://127.0.0.1:" + freePort(t), "REDIS_TIMEOUT": "500ms"},
			[]string{"problem: session store", "connection refused"}},
		{"the session directory a file", map[string]string{"SESSION_DIR": aFile},
			[]string{"problem: session store", "not a directory"}},
		{"nothing at ISSUER", oidcEnv(port, "http://127.0.0.1:"+freePort(t)),
			[]string{"problem: OpenID Connect discovery", "connection refused"}},
	} {
		env := validStartEnv(t, port)
		for name, value := range c.change {
			if value == "" {
				delete(env, name)
			} else {
				env[name] = value
			}
		}
		code, output := runCheck(t, env)
		if code != 1 {
			t.Errorf("%s: -check exit %d, want 1\n%s", c.name, code, output)
		}
		for _, want := range c.want {
			if !strings.Contains(output, want) {
				t.Errorf("%s: -check output lacks %q:\n%s", c.name, want, output)
			}
		}
	}

	// With OpenID Connect: discovery, and the keys fetched.
	var keysDown atomic.Bool
	provider, issuer := startOpenIDProvider(t, "http://localhost:"+port, &keysDown)
	oidc := validStartEnv(t, port)
	maps.Copy(oidc, oidcEnv(port, issuer))
	if code, output := runCheck(t, oidc); code != 0 || provider.JWKSCalls() != 1 {
		t.Errorf("-check with a working provider: exit %d, %d key set fetches (want 0, 1)\n%s",
			code, provider.JWKSCalls(), output)
	}
	keysDown.Store(true)
	if code, output := runCheck(t, oidc); code != 1 || !strings.Contains(output, "problem: OpenID Connect keys at "+issuer+"/jwks") {
		t.Errorf("-check with the key set down: exit %d, want 1 naming the key set\n%s", code, output)
	}
}

// loadResult is what happened to the requests of a load run.
type loadResult struct {
	ok          atomic.Int64 // answered 200 with the person's home page
	okAfterTerm atomic.Int64 // of those, sent after SIGTERM
	lost        atomic.Int64 // anything else: a request that got no whole answer
	mu          sync.Mutex
	errors      []string
}

func (l *loadResult) fail(format string, args ...any) {
	l.lost.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errors) < 10 {
		l.errors = append(l.errors, fmt.Sprintf(format, args...))
	}
}

// balancer plays a load balancer's health check: it asks /readyz every
// interval, and takes the instance out of rotation after unhealthy
// answers in a row, as load balancers do.
type balancer struct {
	out      chan struct{} // closed when the instance is out of rotation
	answered atomic.Value  // the last 503's body
}

func startBalancer(t *testing.T, appURL string, interval time.Duration, unhealthy int) *balancer {
	b := &balancer{out: make(chan struct{})}
	client := &http.Client{Timeout: time.Second}
	go func() {
		failures := 0
		for range time.Tick(interval) {
			healthy := false
			if resp, err := client.Get(appURL + "/readyz"); err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				healthy = resp.StatusCode == http.StatusOK
				if resp.StatusCode == http.StatusServiceUnavailable {
					b.answered.Store(string(body))
				}
			}
			if healthy {
				failures = 0
			} else {
				failures++
			}
			if failures == unhealthy {
				close(b.out)
				return
			}
		}
	}()
	return b
}

// TestIssue21_SIGTERMUnderLoadLosesNoRequest sends SIGTERM while logged-in
// people keep loading pages through a load balancer: /readyz turns 503 at
// once, the app serves on for SHUTDOWN_DELAY, the balancer takes it out of
// rotation meanwhile, and the app then stops with every request it got
// answered in full.
func TestIssue21_SIGTERMUnderLoadLosesNoRequest(t *testing.T) {
	t.Parallel()
	app := startProc(t, procOptions{Env: map[string]string{"SHUTDOWN_DELAY": "2s", "LOG_LEVEL": "info"}})
	// The balancer asks every 100 ms and gives up after 3 failures: it
	// stops sending some 300 ms after SIGTERM, well within the delay.
	lb := startBalancer(t, app.URL, 100*time.Millisecond, 3)
	const people, maxRequests = 8, 20_000 // the count bounds each loop should the balancer never give up
	persons := make([]*person, people)
	for i := range persons {
		persons[i] = newPerson("user"+string(rune('a'+i)), nil)
		if err := persons[i].logIn(app.URL, app.ProviderURL); err != nil {
			t.Fatal(err)
		}
	}
	var result loadResult
	var terminated atomic.Bool
	var requests sync.WaitGroup
	for _, p := range persons {
		requests.Go(func() {
			for range maxRequests {
				select {
				case <-lb.out:
					return
				default:
				}
				sentAfterTerm := terminated.Load()
				r, err := p.get(app.URL + "/")
				switch {
				case err != nil:
					result.fail("%v", err)
				case r.status != http.StatusOK || greeting(r.body) != p.name:
					result.fail("%d %.200q", r.status, r.body)
				default:
					result.ok.Add(1)
					if sentAfterTerm {
						result.okAfterTerm.Add(1)
					}
				}
			}
			result.fail("%s made %d requests and the balancer never took the app out", p.name, maxRequests)
		})
	}
	if !pollUntil(10*time.Second, func() bool { return result.ok.Load() >= 100 }) {
		t.Fatal("the load did not get going")
	}
	terminated.Store(true)
	app.signal(t, syscall.SIGTERM)
	select {
	case <-lb.out:
	case <-app.exited:
		t.Fatal("the app stopped before the balancer saw /readyz fail")
	case <-time.After(10 * time.Second):
		t.Fatal("the balancer did not take the app out of rotation")
	}
	requests.Wait()
	if code := app.wait(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	t.Logf("%d pages served, %d of them after SIGTERM; %d lost", result.ok.Load(), result.okAfterTerm.Load(), result.lost.Load())
	if body, _ := lb.answered.Load().(string); body != "not ready: shutting down\n" {
		t.Errorf("/readyz after SIGTERM said %q, want 503 \"not ready: shutting down\"", body)
	}
	if n := result.lost.Load(); n > 0 {
		t.Errorf("%d requests got no whole answer: %v", n, result.errors)
	}
	if result.okAfterTerm.Load() == 0 {
		t.Error("no page was served after SIGTERM: the app stopped serving before the balancer could notice")
	}
}
