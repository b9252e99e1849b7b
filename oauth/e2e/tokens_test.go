package e2e

// Issue 22, through the binary: tokens kept (KEEP_TOKENS=true), sealed,
// refreshed once per rotation across three instances on one redis-server
// and on one shared directory, the login ended when the provider refuses
// a refresh, the person kept logged in while it is down, a key rotation,
// and logout's revocation. The provider is package oauthtest's, in this
// process, with access tokens that live a second or two, rotating refresh
// tokens, and reuse detection: a refresh token sent twice would end the
// grant, and every page after it would fail.

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

// tokensProvider is an oauthtest provider in this process that notes each
// refresh token it is sent and each token it issues.
type tokensProvider struct {
	*oauthtest.Provider
	URL string

	mu       sync.Mutex
	refreshs []string // the refresh tokens sent, in order
	issued   []string // every access, refresh and ID token in a token response
	// With holdRevocations, each revocation is announced on revoking and
	// then held until release is closed.
	revoking chan struct{}
	release  chan struct{}
}

// holdRevocations makes the provider hold every revocation until the
// returned function is called, and returns a channel that hears of each
// one as it arrives.
func (tp *tokensProvider) holdRevocations() (arrived <-chan struct{}, release func()) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.revoking, tp.release = make(chan struct{}, 10), make(chan struct{})
	return tp.revoking, sync.OnceFunc(func() { close(tp.release) })
}

// startTokensProvider starts a provider for redirectURL whose access tokens
// live lifetime; tweak, if not nil, changes its Config.
func startTokensProvider(t *testing.T, redirectURL string, lifetime time.Duration, tweak func(*oauthtest.Config)) *tokensProvider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tokensProvider{URL: "http://" + ln.Addr().String()}
	cfg := oauthtest.Config{ClientID: "local-dev-client", ClientSecret: procClientSecret, RedirectURL: redirectURL,
		AccessTokenLifetime: lifetime}
	if tweak != nil {
		tweak(&cfg)
	}
	if cfg.OpenID && cfg.Issuer == "" {
		cfg.Issuer = tp.URL
	}
	tp.Provider = oauthtest.New(cfg)
	srv := &http.Server{Handler: tp, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return tp
}

// ServeHTTP passes every request to the provider, noting what goes to and
// comes from its token endpoint.
func (tp *tokensProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tp.mu.Lock()
	revoking, release := tp.revoking, tp.release
	tp.mu.Unlock()
	if r.URL.Path == "/revoke" && revoking != nil {
		revoking <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/token" {
		tp.Provider.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	rec := httptest.NewRecorder()
	tp.Provider.ServeHTTP(rec, r)
	var answer struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		IDToken      string `json:"id_token"`
	}
	json.Unmarshal(rec.Body.Bytes(), &answer)
	tp.mu.Lock()
	if form.Get("grant_type") == "refresh_token" {
		tp.refreshs = append(tp.refreshs, form.Get("refresh_token"))
	}
	for _, tok := range []string{answer.AccessToken, answer.RefreshToken, answer.IDToken} {
		if tok != "" {
			tp.issued = append(tp.issued, tok)
		}
	}
	tp.mu.Unlock()
	for name, values := range rec.Header() {
		w.Header()[name] = values
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (tp *tokensProvider) refreshTokensSent() []string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return slices.Clone(tp.refreshs)
}

func (tp *tokensProvider) tokensIssued() []string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return slices.Clone(tp.issued)
}

// keepTokens is the environment of an instance that keeps tokens, on top
// of more.
func keepTokens(more map[string]string) map[string]string {
	env := map[string]string{"KEEP_TOKENS": "true", "LOGIN_RATE_LIMIT": "0", "OAUTH_TIMEOUT": "5s"}
	for k, v := range more {
		env[k] = v
	}
	return env
}

// fromProvider reads the home page's section about what the provider
// said: available, or unavailable, or not there at all.
func fromProvider(body string) (shown, unavailable bool) {
	return strings.Contains(body, `id="from-provider"`), strings.Contains(body, `id="provider-unavailable"`)
}

// TestIssue22_ThreeInstancesRefreshOncePerRotation: three instances share
// one session store, a redis-server or a directory; access tokens live two
// seconds. For five lifetimes, 50 page views at once on each instance, over
// and over, all need the person's token. Every page view is logged in and
// shows what the provider says; each rotation is one refresh request; no
// refresh token is ever sent twice (the provider's reuse detection would
// have ended the grant, and the pages after it would show it).
func TestIssue22_ThreeInstancesRefreshOncePerRotation(t *testing.T) {
	if os.Getenv("LOAD") != "1" {
		t.Skip("a load test of ten seconds a store; run it with LOAD=1, as .ci/run does")
	}
	t.Parallel()
	for _, storeName := range []string{"redis", "shared directory"} {
		t.Run(storeName, func(t *testing.T) {
			t.Parallel()
			ports := threePorts(t)
			redirectURL := "http://localhost:" + ports[0] + "/oauth/callback"
			const lifetime = 2 * time.Second
			provider := startTokensProvider(t, redirectURL, lifetime, nil)
			env := keepTokens(map[string]string{"SESSION_DIR": filepath.Join(t.TempDir(), "sessions")})
			if storeName == "redis" {
				env = keepTokens(redisEnv(startRedisServer(t, false)))
			}
			var inst [3]*proc
			for i, port := range ports {
				inst[i] = startProc(t, procOptions{Port: port, Provider: provider.URL, RedirectURL: redirectURL, Env: env})
			}
			ada := newPerson("ada", &http.Transport{MaxIdleConnsPerHost: 50})
			if err := ada.logIn(inst[0].URL, provider.URL); err != nil {
				t.Fatal(err)
			}
			// A round of 150 page views every 200 ms, ten rounds to each
			// lifetime of the token: the load, not a synchronisation.
			rounds := time.NewTicker(200 * time.Millisecond)
			defer rounds.Stop()
			start, views := time.Now(), 0
			for ; time.Since(start) < 5*lifetime+lifetime/2; <-rounds.C {
				var wg sync.WaitGroup
				errs := make(chan error, 3*50)
				for _, p := range inst {
					for range 50 {
						wg.Go(func() {
							r, err := ada.get(p.URL + "/")
							shown, unavailable := fromProvider(r.body)
							switch {
							case err != nil:
								errs <- err
							case r.status != http.StatusOK || greeting(r.body) != "ada":
								errs <- fmt.Errorf("port %s: %d %q, want ada's home page", p.Port, r.status, r.location)
							case !shown || unavailable:
								errs <- fmt.Errorf("port %s: the provider's section is missing or unavailable:\n%s", p.Port, r.body)
							}
						})
					}
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
				views += 150
			}
			sent := provider.refreshTokensSent()
			calls, reused := provider.RefreshCalls()
			t.Logf("%d page views in %v, %d refreshes", views, time.Since(start).Round(time.Millisecond), len(sent))
			if len(sent) < 4 {
				t.Errorf("%d refreshes in five lifetimes of the token, want at least 4", len(sent))
			}
			if len(slices.Compact(slices.Sorted(slices.Values(sent)))) != len(sent) || reused != 0 || calls != len(sent) {
				t.Errorf("a refresh token was sent more than once (%d sent, %d distinct, %d spent ones)",
					len(sent), len(slices.Compact(slices.Sorted(slices.Values(sent)))), reused)
			}
		})
	}
}

// TestIssue22_RefusedRefreshShowsEndedPageThenLogin: the person revoked
// the app at the provider: the next page visit that needs a refresh ends
// the session and says so; the one after it is an ordinary login.
func TestIssue22_RefusedRefreshShowsEndedPageThenLogin(t *testing.T) {
	port := freePort(t)
	redirectURL := "http://localhost:" + port + "/oauth/callback"
	provider := startTokensProvider(t, redirectURL, time.Second, nil)
	app := startProc(t, procOptions{Port: port, Provider: provider.URL, Env: keepTokens(nil)})
	ada := newPerson("ada", nil)
	if err := ada.logIn(app.URL, provider.URL); err != nil {
		t.Fatal(err)
	}
	provider.RevokeAll()
	var ended reply
	if !pollUntil(10*time.Second, func() bool {
		r, err := ada.get(app.URL + "/")
		if err == nil && r.status == http.StatusSeeOther {
			ended, err = ada.get(app.URL + r.location)
		}
		return err == nil && strings.Contains(ended.body, "has ended")
	}) {
		t.Fatalf("no ended-login page once the refresh was refused; last answer %d:\n%s", ended.status, ended.body)
	}
	if ended.status != http.StatusOK || !strings.Contains(ended.body, `id="log-in-again"`) {
		t.Errorf("the ended-login page: %d, want 200 with Log in again:\n%s", ended.status, ended.body)
	}
	if _, err := app.waitLog(time.Second, func(line string) bool {
		return strings.Contains(line, `"event":"provider_login_ended"`) && strings.Contains(line, `"reason":"refresh_token_refused"`)
	}); err != nil {
		t.Error(err)
	}
	if err := ada.logIn(app.URL, provider.URL); err != nil {
		t.Fatalf("logging in again after the ended-login page: %v", err)
	}
}

// TestIssue22_ProviderDownDuringRefreshKeepsPersonLoggedIn: while the token
// endpoint fails, the person stays logged in and the home page says the
// provider's data is unavailable; once it is back, a later visit refreshes
// and shows it again.
func TestIssue22_ProviderDownDuringRefreshKeepsPersonLoggedIn(t *testing.T) {
	port := freePort(t)
	redirectURL := "http://localhost:" + port + "/oauth/callback"
	provider := startTokensProvider(t, redirectURL, time.Second, nil)
	app := startProc(t, procOptions{Port: port, Provider: provider.URL, Env: keepTokens(nil)})
	ada := newPerson("ada", nil)
	if err := ada.logIn(app.URL, provider.URL); err != nil {
		t.Fatal(err)
	}
	provider.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenServerError})
	home := func(wantUnavailable bool) bool {
		r, err := ada.get(app.URL + "/")
		if err != nil || r.status != http.StatusOK || greeting(r.body) != "ada" {
			t.Fatalf("the person is not logged in: %d %v\n%s", r.status, err, r.body)
		}
		shown, unavailable := fromProvider(r.body)
		return shown && unavailable == wantUnavailable
	}
	if !pollUntil(10*time.Second, func() bool { return home(true) }) {
		t.Fatal("the home page never said the provider's data was unavailable")
	}
	provider.Misbehave(oauthtest.Misbehaviour{})
	if !pollUntil(10*time.Second, func() bool { return home(false) }) {
		t.Fatal("the provider's data did not come back with the provider")
	}
	if _, err := app.waitLog(time.Second, func(line string) bool { return strings.Contains(line, `"event":"token_refresh_failed"`) }); err != nil {
		t.Error(err)
	}
}

// TestIssue22_RefreshedIDTokenForAnotherSubjectEndsSession: with OpenID
// Connect, the ID token of a refresh is verified; one about someone else
// than the login's person ends the session (OpenID Connect Core §12.2).
// The login asked for offline_access with prompt=consent, which the
// provider lists, and without which it issues no refresh token (§11).
func TestIssue22_RefreshedIDTokenForAnotherSubjectEndsSession(t *testing.T) {
	port := freePort(t)
	redirectURL := "http://localhost:" + port + "/oauth/callback"
	provider := startTokensProvider(t, redirectURL, time.Second, func(c *oauthtest.Config) {
		c.ClientID, c.ClientSecret, c.OpenID = "e2e-client", "e2e-secret", true
	})
	app := startProc(t, procOptions{Port: port, Provider: provider.URL, Env: keepTokens(oidcEnv(port, provider.URL))})
	ada := newPerson("ada", nil)
	authorizeURL, err := ada.startLogin(app.URL, provider.URL)
	if err != nil {
		t.Fatal(err)
	}
	if q := mustParse(authorizeURL).Query(); !strings.Contains(q.Get("scope"), "offline_access") || q.Get("prompt") != "consent" {
		t.Errorf("authorization request scope %q, prompt %q; want offline_access with prompt=consent", q.Get("scope"), q.Get("prompt"))
	}
	callbackURL, err := ada.approve(authorizeURL)
	if err == nil {
		err = ada.finishLogin(callbackURL)
	}
	if err == nil {
		err = ada.expectHome(app.URL)
	}
	if err != nil {
		t.Fatal(err)
	}
	provider.Misbehave(oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenOtherSubject})
	var ended reply
	if !pollUntil(10*time.Second, func() bool {
		r, err := ada.get(app.URL + "/")
		if err == nil && r.status == http.StatusSeeOther {
			ended, err = ada.get(app.URL + r.location)
		}
		return err == nil && strings.Contains(ended.body, "has ended")
	}) {
		t.Fatalf("no ended-login page after a refreshed ID token about someone else:\n%s", ended.body)
	}
	if _, err := app.waitLog(time.Second, func(line string) bool { return strings.Contains(line, `"reason":"id_token_refused"`) }); err != nil {
		t.Error(err)
	}
}

// TestIssue22_NoTokenInClearAndBoundToTheSession: after a login and a
// refresh, no token the provider issued is anywhere in the session
// directory or in Redis, nor in the log; a record copied under another
// session's name does not decrypt there.
func TestIssue22_NoTokenInClearAndBoundToTheSession(t *testing.T) {
	for _, storeName := range []string{"files", "redis"} {
		t.Run(storeName, func(t *testing.T) {
			port := freePort(t)
			redirectURL := "http://localhost:" + port + "/oauth/callback"
			provider := startTokensProvider(t, redirectURL, time.Second, nil)
			var r *redisServer
			env := keepTokens(nil)
			if storeName == "redis" {
				r = startRedisServer(t, false)
				env = keepTokens(redisEnv(r))
			}
			app := startProc(t, procOptions{Port: port, Provider: provider.URL, Env: env})
			ada, bob := newPerson("ada", nil), newPerson("bob", nil)
			for _, p := range []*person{ada, bob} {
				if err := p.logIn(app.URL, provider.URL); err != nil {
					t.Fatal(err)
				}
			}
			if !pollUntil(10*time.Second, func() bool { return ada.expectHome(app.URL) == nil && len(provider.refreshTokensSent()) > 0 }) {
				t.Fatal("no refresh")
			}
			stored := map[string][]byte{}
			if r != nil {
				stored = redisValues(t, r)
			} else {
				filepath.WalkDir(app.SessionDir, func(path string, d os.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						stored[path], _ = os.ReadFile(path)
					}
					return nil
				})
			}
			if len(stored) == 0 {
				t.Fatal("nothing stored")
			}
			logs := strings.Join(app.Logs(), "\n")
			for _, tok := range provider.tokensIssued() {
				for where, b := range stored {
					if bytes.Contains(b, []byte(tok)) {
						t.Errorf("%s holds a token in clear", where)
					}
				}
				if strings.Contains(logs, tok) {
					t.Error("the log holds a token")
				}
			}
			if r != nil {
				return
			}
			// Bob's session file gets Ada's record: it is hers, and her
			// tokens do not open under his session's name.
			adaFile := filepath.Join(app.SessionDir, sessionName(ada.sessionCookieFor(app.URL)))
			bobFile := filepath.Join(app.SessionDir, sessionName(bob.sessionCookieFor(app.URL)))
			b, err := os.ReadFile(adaFile)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(bobFile, b, 0o600); err != nil {
				t.Fatal(err)
			}
			mark := len(app.Logs())
			page, err := bob.get(app.URL + "/")
			if shown, _ := fromProvider(page.body); err != nil || shown {
				t.Errorf("the copied record's tokens were used under another session: %v\n%s", err, page.body)
			}
			if _, err := app.waitLogFrom(mark, time.Second, func(line string) bool {
				return strings.Contains(line, `"event":"tokens_unreadable"`)
			}); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestIssue22_SecretPreviousReadsAndRewrites: sessions and tokens written
// under the old SECRET are read once it is SECRET_PREVIOUS, and rewritten
// under the new one, so that the old key can go: with the new SECRET
// alone, the person is still logged in, and the tokens still open.
func TestIssue22_SecretPreviousReadsAndRewrites(t *testing.T) {
	const newSecret = "e2e-the-new-session-key-0123456789abcdef"
	for _, storeName := range []string{"files", "redis"} {
		t.Run(storeName, func(t *testing.T) {
			port := freePort(t)
			redirectURL := "http://localhost:" + port + "/oauth/callback"
			provider := startTokensProvider(t, redirectURL, time.Hour, nil)
			env := keepTokens(map[string]string{"SESSION_DIR": filepath.Join(t.TempDir(), "sessions")})
			if storeName == "redis" {
				env = keepTokens(redisEnv(startRedisServer(t, false)))
			}
			run := func(secrets ...string) *proc {
				e := keepTokens(env)
				e["SECRET"] = secrets[0]
				if len(secrets) > 1 {
					e["SECRET_PREVIOUS"] = secrets[1]
				}
				return startProc(t, procOptions{Port: port, Provider: provider.URL, Env: e})
			}
			check := func(p *proc, ada *person, when string) {
				t.Helper()
				r, err := ada.get(p.URL + "/")
				if shown, unavailable := fromProvider(r.body); err != nil || greeting(r.body) != "ada" || !shown || unavailable {
					t.Fatalf("%s: %d %v; want ada's home page with the provider's data\n%s", when, r.status, err, r.body)
				}
			}
			before := run(procSecret)
			ada := newPerson("ada", nil)
			if err := ada.logIn(before.URL, provider.URL); err != nil {
				t.Fatal(err)
			}
			stop(t, before)
			rotated := run(newSecret, procSecret)
			check(rotated, ada, "SECRET_PREVIOUS the old key")
			stop(t, rotated)
			check(run(newSecret), ada, "the new key alone")
		})
	}
}

// sessionName is the file name of session id under procSecret: its
// HMAC-SHA-256, in hex.
func sessionName(id string) string {
	mac := hmac.New(sha256.New, []byte(procSecret))
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))
}

// stop ends p with SIGTERM and waits for it.
func stop(t *testing.T, p *proc) {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	p.wait(t)
}

// TestIssue22_LogoutRevokesOnceAndEndsTheSessionWhenItFails: logout revokes
// the kept tokens at the provider with one call, after the session is
// gone; when the provider fails the call, the person is logged out all
// the same.
func TestIssue22_LogoutRevokesOnceAndEndsTheSessionWhenItFails(t *testing.T) {
	port := freePort(t)
	redirectURL := "http://localhost:" + port + "/oauth/callback"
	provider := startTokensProvider(t, redirectURL, time.Hour, nil)
	app := startProc(t, procOptions{Port: port, Provider: provider.URL, Env: keepTokens(map[string]string{
		"REVOCATION_URL": provider.URL + "/revoke"})})
	for _, fails := range []bool{false, true} {
		provider.Misbehave(oauthtest.Misbehaviour{RevokeFails: fails})
		ada := newPerson("ada", nil)
		if err := ada.logIn(app.URL, provider.URL); err != nil {
			t.Fatal(err)
		}
		cookie := ada.sessionCookieFor(app.URL)
		calls, mark := provider.RevokeCalls(), len(app.Logs())
		if err := ada.logOut(app.URL); err != nil {
			t.Fatal(err)
		}
		event := `"event":"tokens_revoked"`
		if fails {
			event = `"event":"token_revocation_failed"`
		}
		if _, err := app.waitLogFrom(mark, 10*time.Second, func(line string) bool { return strings.Contains(line, event) }); err != nil {
			t.Fatal(err)
		}
		if got := provider.RevokeCalls() - calls; got != 1 {
			t.Errorf("revocation failing %v: %d calls, want 1", fails, got)
		}
		replay := newPerson("ada", nil)
		replay.client.Jar.SetCookies(mustParse(app.URL), []*http.Cookie{{Name: sessionCookie, Value: cookie}})
		if r, err := replay.get(app.URL + "/"); err != nil || r.status != http.StatusFound {
			t.Errorf("revocation failing %v: the logged-out cookie got %d, %v; want a new login", fails, r.status, err)
		}
	}
}

// TestIssue22_StopWaitsForRevocationsUnderWay: a revocation that a logout
// started is not cut off when the app is stopped at that moment: the app
// waits for it, within its bound, before it exits. Here the provider
// never answers, so the app gives up after OAUTH_TIMEOUT and says so; an
// app that did not wait would exit at once, and leave no word of it.
func TestIssue22_StopWaitsForRevocationsUnderWay(t *testing.T) {
	port := freePort(t)
	redirectURL := "http://localhost:" + port + "/oauth/callback"
	provider := startTokensProvider(t, redirectURL, time.Hour, nil)
	app := startProc(t, procOptions{Port: port, Provider: provider.URL, Env: keepTokens(map[string]string{
		"REVOCATION_URL": provider.URL + "/revoke", "OAUTH_TIMEOUT": "1s"})})
	ada := newPerson("ada", nil)
	if err := ada.logIn(app.URL, provider.URL); err != nil {
		t.Fatal(err)
	}
	arrived, release := provider.holdRevocations()
	defer release()
	if err := ada.logOut(app.URL); err != nil {
		t.Fatal(err)
	}
	<-arrived
	mark := len(app.Logs())
	app.signal(t, syscall.SIGTERM)
	if code := app.wait(t); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	logs := app.Logs()[mark:]
	failed := slices.IndexFunc(logs, func(line string) bool {
		return strings.Contains(line, `"event":"token_revocation_failed"`)
	})
	stopped := slices.IndexFunc(logs, msgIs("stopped"))
	if failed < 0 || stopped < failed {
		t.Fatalf("the app stopped without waiting for the revocation under way (its end at line %d, "+
			"\"stopped\" at %d); its last lines:\n%s", failed, stopped, strings.Join(logs, "\n"))
	}
}

// TestIssue22_WithoutKeepTokensNothingMore: without KEEP_TOKENS the home page
// has no section from the provider, page views call the provider not
// once, and the session holds no tokens.
func TestIssue22_WithoutKeepTokensNothingMore(t *testing.T) {
	port := freePort(t)
	redirectURL := "http://localhost:" + port + "/oauth/callback"
	provider := startTokensProvider(t, redirectURL, time.Second, nil)
	app := startProc(t, procOptions{Port: port, Provider: provider.URL})
	ada := newPerson("ada", nil)
	if err := ada.logIn(app.URL, provider.URL); err != nil {
		t.Fatal(err)
	}
	calls := provider.UserCalls() + provider.TokenCalls()
	for range 5 {
		r, err := ada.get(app.URL + "/")
		if shown, _ := fromProvider(r.body); err != nil || shown {
			t.Fatalf("without KEEP_TOKENS: %v, section shown %v", err, shown)
		}
	}
	if got := provider.UserCalls() + provider.TokenCalls(); got != calls {
		t.Errorf("page views called the provider %d times", got-calls)
	}
	files, _ := readSessionFiles(t, app.SessionDir)
	for _, f := range files {
		if _, ok := f.Values["tokens"]; ok {
			t.Error("a session holds tokens without KEEP_TOKENS")
		}
	}
}

// redisValues reads every key of r and its value: a string's bytes, or a
// sorted set's members.
func redisValues(t *testing.T, r *redisServer) map[string][]byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+r.port, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	in := bufio.NewReader(c)
	do := func(args ...string) any {
		fmt.Fprintf(c, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(c, "$%d\r\n%s\r\n", len(a), a)
		}
		v, err := readRESP(in)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	do("AUTH", redisPassword)
	values := map[string][]byte{}
	keys, _ := do("KEYS", "*").([]any)
	for _, k := range keys {
		key := string(k.([]byte))
		switch typ, _ := do("TYPE", key).(string); typ {
		case "string":
			values[key], _ = do("GET", key).([]byte)
		case "zset":
			members, _ := do("ZRANGE", key, "0", "-1").([]any)
			for _, m := range members {
				values[key] = append(values[key], m.([]byte)...)
			}
		default:
			t.Fatalf("key %s is a %s, which this test cannot read", key, typ)
		}
	}
	return values
}

// readRESP reads one RESP reply: a string, an integer, a bulk string
// ([]byte, nil when null) or an array ([]any).
func readRESP(in *bufio.Reader) (any, error) {
	line, err := in.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, fmt.Errorf("redis: %s", line[1:])
	case ':':
		return strconv.Atoi(line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		_, err := io.ReadFull(in, b)
		return b[:n], err
	case '*':
		n, _ := strconv.Atoi(line[1:])
		items := make([]any, 0, max(n, 0))
		for range n {
			v, err := readRESP(in)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		return items, nil
	}
	return nil, fmt.Errorf("redis: unexpected reply %q", line)
}

// TestIssue22_DevelopmentProviderShowsARefresh: `go run .` with
// KEEP_TOKENS=true and short-lived tokens from the development provider
// shows what it says about the person, refreshes the token as it runs
// out, and revokes it at logout.
func TestIssue22_DevelopmentProviderShowsARefresh(t *testing.T) {
	a := startApp(t, appOptions{LocalSettings: true, Env: map[string]string{
		"KEEP_TOKENS": "true", "DEV_ACCESS_TOKEN_LIFETIME": "1s"}})
	ada := newPerson("ada", nil)
	if err := ada.logIn(a.URL, a.ProviderURL); err != nil {
		t.Fatal(err)
	}
	r, err := ada.get(a.URL + "/")
	if err != nil || !strings.Contains(r.body, "From the development provider, just now") ||
		!strings.Contains(r.body, `<dd id="provider-username">ada</dd>`) {
		t.Fatalf("home page: %v\n%s", err, r.body)
	}
	refreshed := func() bool {
		for _, line := range a.Logs() {
			if strings.Contains(line, `"event":"tokens_refreshed"`) {
				return true
			}
		}
		return false
	}
	if !pollUntil(10*time.Second, func() bool { return ada.expectHome(a.URL) == nil && refreshed() }) {
		t.Fatal("no refresh as the token ran out")
	}
	if err := ada.logOut(a.URL); err != nil {
		t.Fatal(err)
	}
	if !pollUntil(10*time.Second, func() bool {
		return slices.ContainsFunc(a.Logs(), func(line string) bool { return strings.Contains(line, `"event":"tokens_revoked"`) })
	}) {
		t.Error("logout revoked nothing at the development provider")
	}
}
