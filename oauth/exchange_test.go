package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log"
	"maps"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

// TestChecklist17_TokenRequest checks the token request of
// oauth/SECURITY.md #17: a form POST with the parameters in the body, and
// the client's credentials either in the body or, form-encoded first, in
// HTTP Basic.
func TestChecklist17_TokenRequest(t *testing.T) {
	t.Parallel()
	t.Run("#17 client_secret_post", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		h.newBrowser().login(t, "/private")
		reqs := h.as.TokenRequests()
		if len(reqs) != 1 {
			t.Fatalf("%d token requests, want 1", len(reqs))
		}
		r := reqs[0]
		checkTokenRequestShape(t, r, []string{"client_id", "client_secret", "code", "code_verifier", "grant_type", "redirect_uri"})
		for k, want := range map[string]string{"grant_type": "authorization_code", "redirect_uri": testRedirectURL,
			"client_id": testClientID, "client_secret": canarySecret} {
			if got := r.Form.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if r.Header.Get("Authorization") != "" {
			t.Error("the request authenticates twice: in the body and in Authorization")
		}
	})
	t.Run("#17 client_secret_basic with : + % / in the id and secret", func(t *testing.T) {
		t.Parallel()
		const id, secret = "a:b", "p+q%/:" + canarySecret
		h := newHarness(t, harnessOptions{clientID: id, secret: secret,
			configure: func(c *Config) { c.AuthMethod = AuthMethodBasic }})
		// The provider form-decodes the Basic credentials and compares them
		// with id and secret exactly: the login succeeds only if the app
		// encoded them first.
		h.newBrowser().login(t, "/private")
		r := h.as.TokenRequests()[0]
		checkTokenRequestShape(t, r, []string{"code", "code_verifier", "grant_type", "redirect_uri"})
		user, password, ok := (&http.Request{Header: r.Header}).BasicAuth()
		gotID, _ := url.QueryUnescape(user)
		gotSecret, _ := url.QueryUnescape(password)
		if !ok || gotID != id || gotSecret != secret {
			t.Errorf("Basic credentials decode to %q, %q; want %q, %q", gotID, gotSecret, id, secret)
		}

		// The contrast: the same credentials sent raw, as SetBasicAuth alone
		// sends them, do not authenticate; form-encoded they do (the code is
		// refused then, which the provider checks second).
		for _, tt := range []struct {
			name      string
			user, pwd string
			wantError string
		}{
			{"raw", id, secret, "invalid_client"},
			{"form-encoded", url.QueryEscape(id), url.QueryEscape(secret), "invalid_grant"},
		} {
			form := url.Values{"grant_type": {"authorization_code"}, "code": {"not-a-code"}, "redirect_uri": {testRedirectURL}}
			req, _ := http.NewRequest(http.MethodPost, h.as.TokenURL(), strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(tt.user, tt.pwd)
			resp, err := h.as.HTTP.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Error string }
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if body.Error != tt.wantError {
				t.Errorf("%s credentials: provider answers %q, want %q", tt.name, body.Error, tt.wantError)
			}
		}
	})
}

// checkTokenRequestShape checks what every token request must be: a POST
// of a form, nothing in the URL query, and exactly the keys wantKeys, each
// once.
func checkTokenRequestShape(t *testing.T, r oauthtest.RecordedRequest, wantKeys []string) {
	t.Helper()
	if r.Method != http.MethodPost {
		t.Errorf("method %s, want POST", r.Method)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	}
	if r.RawQuery != "" {
		t.Errorf("URL query %q, want none", r.RawQuery)
	}
	if keys := slices.Sorted(maps.Keys(r.Form)); !slices.Equal(keys, wantKeys) {
		t.Errorf("form keys %q, want %q", keys, wantKeys)
	}
	for k, v := range r.Form {
		if len(v) != 1 {
			t.Errorf("form key %s given %d times", k, len(v))
		}
	}
}

// TestPostFormLeavesTheCallersFormAlone: with client_secret_post the
// credentials go into the form that is sent, never into the caller's,
// which a layer may keep or log.
func TestPostFormLeavesTheCallersFormAlone(t *testing.T) {
	sent := make(chan url.Values, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		sent <- r.PostForm
	}))
	defer srv.Close()
	c := NewClient(Config{ClientID: "id", ClientSecret: canarySecret}, nil)
	form := url.Values{"token": {"t"}}
	if _, _, _, err := c.PostForm(context.Background(), srv.URL, form); err != nil {
		t.Fatal(err)
	}
	if got := <-sent; got.Get("client_secret") != canarySecret || got.Get("token") != "t" {
		t.Errorf("sent %v, want the token and the client's credentials", got)
	}
	if len(form) != 1 {
		t.Errorf("the caller's form became %v", form)
	}
}

// TestChecklist18_TokenResponseMediaType checks oauth/SECURITY.md #18: the
// app asks for JSON, and a token response of another media type is refused
// before the token is used, even if its body would parse.
func TestChecklist18_TokenResponseMediaType(t *testing.T) {
	t.Parallel()
	t.Run("#18 Accept: application/json", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		h.newBrowser().login(t, "/private")
		if got := h.as.TokenRequests()[0].Header.Get("Accept"); got != "application/json" {
			t.Errorf("token request Accept %q, want application/json", got)
		}
	})
	for _, contentType := range []string{"text/html; charset=utf-8", "application/xml", ""} {
		t.Run("#18 200 with Content-Type "+contentType, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{provider: func(w http.ResponseWriter, r *http.Request, as http.Handler) {
				if r.URL.Path != "/token" {
					as.ServeHTTP(w, r)
					return
				}
				w.Header()["Content-Type"] = nil // no sniffing
				if contentType != "" {
					w.Header().Set("Content-Type", contentType)
				}
				io.WriteString(w, `{"access_token":"tok-CANARY-1-abcdefghijklmnopqrstuvwxyz","token_type":"Bearer"}`)
			}})
			checkFailedLogin(t, h, http.StatusBadGateway)
			if n := h.userCalls(); n != 0 {
				t.Errorf("%d user calls, want 0", n)
			}
		})
	}
}

// checkFailedLogin runs a login to its callback and checks that it fails
// with status and leaves the browser anonymous.
func checkFailedLogin(t *testing.T, h *harness, status int) *browser {
	t.Helper()
	b := h.newBrowser()
	authURL, _ := b.startLogin(t, "/private")
	callback, _ := h.approve(t, authURL)
	if resp := b.get(callback); resp.Status != status {
		t.Errorf("callback: %v, want HTTP %d", resp, status)
	}
	h.assertAnonymous(t, b.cookie)
	return b
}

// TestChecklist19_TokenResponseThroughCallback runs the token endpoint's
// failures through the real callback (oauth/SECURITY.md #19): each ends
// on the failure page, with no profile fetched and no user logged in.
// token_test.go checks the parser's rules one by one.
func TestChecklist19_TokenResponseThroughCallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault oauthtest.TokenFault
		opts  harnessOptions
		want  int
	}{
		{"#19 400 invalid_grant", oauthtest.TokenErrorResponse, harnessOptions{}, http.StatusBadGateway},
		{"#19 401 invalid_client (wrong secret)", oauthtest.TokenOK,
			harnessOptions{configure: func(c *Config) { c.ClientSecret = "wrong-" + canarySecret }}, http.StatusBadGateway},
		{"#19 200 with an error member, as GitHub", oauthtest.TokenErrorWith200, harnessOptions{}, http.StatusBadGateway},
		{"#19 200 without access_token", oauthtest.TokenNoAccessToken, harnessOptions{}, http.StatusBadGateway},
		{"#19 500 with HTML", oauthtest.TokenServerError, harnessOptions{}, http.StatusBadGateway},
		{"#19 200 with a body that is not JSON", oauthtest.TokenGarbage, harnessOptions{}, http.StatusBadGateway},
		{"#19 200 form-encoded success, as GitHub", oauthtest.TokenFormEncoded, harnessOptions{}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts)
			h.as.Misbehave(oauthtest.Misbehaviour{Token: tt.fault})
			if tt.want == http.StatusSeeOther {
				b := h.newBrowser()
				b.login(t, "/private")
				h.assertLoggedIn(t, b.cookie)
				return
			}
			checkFailedLogin(t, h, tt.want)
			if n := h.userCalls(); n != 0 {
				t.Errorf("%d user calls, want 0", n)
			}
			if n := h.tokenCalls(); n != 1 {
				t.Errorf("%d token calls, want 1", n)
			}
		})
	}
}

// TestChecklist21_OversizedTokenResponse has the token endpoint stream 8 MiB
// (oauth/SECURITY.md #21): the login fails, the app reads no more than its
// limit, and no goroutine is left behind. Not parallel: it counts the
// process's allocations and goroutines.
func TestChecklist21_OversizedTokenResponse(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.newBrowser().login(t, "/private") // warm up: connections, TLS sessions, code paths
	h.as.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenOversized})
	client := h.as.HTTP.Client()
	client.CloseIdleConnections()
	goroutines := runtime.NumGoroutine()

	const n = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		checkFailedLogin(t, h, http.StatusBadGateway)
	}
	runtime.ReadMemStats(&after)
	// TotalAlloc counts every byte allocated, freed or not: reading the
	// 8 MiB body whole would allocate several times that per callback.
	if perCallback := (after.TotalAlloc - before.TotalAlloc) / n; perCallback > 16<<20 {
		t.Errorf("each callback allocated %d MiB, want at most 16", perCallback>>20)
	}
	if calls := h.userCalls(); calls != 1 {
		t.Errorf("%d user calls, want only the warm-up's", calls)
	}

	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutines {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, were %d before the oversized responses:\n%s",
				runtime.NumGoroutine(), goroutines, buf[:runtime.Stack(buf, true)])
		}
		client.CloseIdleConnections()
		runtime.Gosched()
	}
}

// TestChecklist22_ProviderCallsAreBounded checks oauth/SECURITY.md #22: a
// provider that never answers costs at most the configured timeout, and a
// visitor who leaves cancels the call.
func TestChecklist22_ProviderCallsAreBounded(t *testing.T) {
	t.Parallel()
	t.Run("#22a a token endpoint that never answers gives 504", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{configure: func(c *Config) { c.Timeout = 200 * time.Millisecond }})
		h.as.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenHang})
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		callback, _ := h.approve(t, authURL)
		done := make(chan *response)
		go func() { done <- b.get(callback) }()
		select {
		case resp := <-done:
			if resp.Status != http.StatusGatewayTimeout {
				t.Errorf("callback: %v, want 504", resp)
			}
		case <-time.After(time.Minute):
			t.Fatal("the callback still waits a minute later, with a 200 ms timeout")
		}
		if n := h.userCalls(); n != 0 {
			t.Errorf("%d user calls, want 0", n)
		}
		h.assertAnonymous(t, b.cookie)
	})
	t.Run("#22c a cancelled request cancels the call to the provider", func(t *testing.T) {
		t.Parallel()
		arrived := make(chan struct{})
		providerDone := make(chan error, 1)
		var once sync.Once
		h := newHarness(t, harnessOptions{
			configure: func(c *Config) { c.Timeout = time.Hour }, // only the cancellation can end the wait
			provider: func(w http.ResponseWriter, r *http.Request, as http.Handler) {
				if r.URL.Path != "/token" {
					as.ServeHTTP(w, r)
					return
				}
				once.Do(func() { close(arrived) })
				as.ServeHTTP(w, r) // TokenHang: returns when r's context is done
				providerDone <- r.Context().Err()
			},
		})
		h.as.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenHang})
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		callback, _ := h.approve(t, authURL)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan *response)
		go func() {
			done <- b.do(http.MethodGet, callback, func(r *http.Request) { *r = *r.WithContext(ctx) })
		}()
		select {
		case <-arrived:
		case <-time.After(time.Minute):
			t.Fatal("the token request never arrived")
		}
		cancel() // the browser goes away
		select {
		case err := <-providerDone:
			if err == nil {
				t.Error("the provider's handler returned, but its request was not cancelled")
			}
		case <-time.After(time.Minute):
			t.Fatal("the provider still waits a minute after the visitor left")
		}
		if resp := <-done; resp.Status == http.StatusSeeOther {
			t.Errorf("callback: %v, want a failure", resp)
		}
		h.assertAnonymous(t, b.cookie)
	})
	t.Run("#22 NewClient bounds every call", func(t *testing.T) {
		t.Parallel()
		c := NewClient(Config{}, nil)
		tr, ok := c.http.Transport.(*http.Transport)
		if c.http.Timeout != 10*time.Second || !ok || tr.TLSHandshakeTimeout <= 0 || tr.ResponseHeaderTimeout <= 0 {
			t.Errorf("default client: Timeout %v, transport %T; want 10s and bounded phases", c.http.Timeout, c.http.Transport)
		}
		if ok && (tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion < tls.VersionTLS12 || tr.TLSClientConfig.InsecureSkipVerify) {
			t.Error("default transport allows TLS below 1.2 or skips verification (#25)")
		}
		given := &http.Client{} // no timeout of its own
		if c := NewClient(Config{Timeout: 3 * time.Second}, given); c.http.Timeout != 3*time.Second || c.http == given {
			t.Errorf("with a caller's client: Timeout %v, want 3s on a copy", c.http.Timeout)
		}
	})
}

// TestChecklist23_CodeRedeemedAtMostOnce checks oauth/SECURITY.md #23:
// after a failed or timed-out exchange the app does not try the code again.
// Closing the servers waits for every request in flight, so the count
// read after it is final.
func TestChecklist23_CodeRedeemedAtMostOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault oauthtest.TokenFault
		want  int
	}{
		{"#23 after a timeout", oauthtest.TokenHang, http.StatusGatewayTimeout},
		{"#23 after a 500", oauthtest.TokenServerError, http.StatusBadGateway},
		{"#23 after a broken body", oauthtest.TokenGarbage, http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{configure: func(c *Config) { c.Timeout = 200 * time.Millisecond }})
			h.as.Misbehave(oauthtest.Misbehaviour{Token: tt.fault})
			checkFailedLogin(t, h, tt.want)
			h.as.Close()
			h.front.Close()
			if n := h.tokenCalls(); n != 1 {
				t.Errorf("%d token calls, want exactly 1", n)
			}
		})
	}
}

// TestChecklist24_RedirectsNotFollowed has the token or user endpoint
// redirect to another server (oauth/SECURITY.md #24). That server has the
// certificate the app trusts, so a followed redirect would reach it; it
// must get nothing, and the login must fail.
func TestChecklist24_RedirectsNotFollowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint string
		status   int
	}{
		{"/token", http.StatusTemporaryRedirect},
		{"/token", http.StatusPermanentRedirect},
		{"/token", http.StatusFound},
		{"/user", http.StatusFound},
		{"/user", http.StatusTemporaryRedirect},
	}
	for _, tt := range tests {
		t.Run("#24 "+tt.endpoint+" answers "+http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			var stolen atomic.Int32
			second := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				stolen.Add(1)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"access_token":"stolen-token-abcdefghijklmnop","token_type":"Bearer","id":1}`)
			}))
			t.Cleanup(second.Close)
			h := newHarness(t, harnessOptions{provider: func(w http.ResponseWriter, r *http.Request, as http.Handler) {
				if r.URL.Path == tt.endpoint {
					http.Redirect(w, r, second.URL+"/steal", tt.status)
					return
				}
				as.ServeHTTP(w, r)
			}})
			checkFailedLogin(t, h, http.StatusBadGateway)
			if n := stolen.Load(); n != 0 {
				t.Errorf("the redirect target got %d requests, want 0", n)
			}
		})
	}
}

// TestChecklist25_UntrustedCertificate puts the token or user endpoint on
// a server whose certificate the app's client does not trust
// (oauth/SECURITY.md #25): the call fails at the handshake, before a
// single request reaches the server.
func TestChecklist25_UntrustedCertificate(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"/token", "/user"} {
		t.Run("#25 "+endpoint+" with a self-signed certificate", func(t *testing.T) {
			t.Parallel()
			var reached atomic.Int32
			untrusted := newUntrustedTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"access_token":"untrusted-token-abcdefghijklmnop","token_type":"Bearer","id":1}`)
			}))
			h := newHarness(t, harnessOptions{configure: func(c *Config) {
				if endpoint == "/token" {
					c.TokenURL = untrusted.URL + "/token"
				} else {
					c.UserURL = untrusted.URL + "/user"
				}
			}})
			checkFailedLogin(t, h, http.StatusBadGateway)
			if n := reached.Load(); n != 0 {
				t.Errorf("%d requests reached the untrusted server, want 0", n)
			}
		})
	}
}

// newUntrustedTLSServer starts a TLS server with a certificate of its own,
// which no client of these tests trusts.
func newUntrustedTLSServer(t *testing.T, handler http.Handler) *httptest.Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "untrusted test server"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(handler)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// TestChecklist26_AccessTokenNeverReachesBrowser checks oauth/SECURITY.md
// #26: after a login, the access token is in no response and no cookie,
// and not even in the session record; the cookie is only a session ID.
func TestChecklist26_AccessTokenNeverReachesBrowser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	b.login(t, "/private")
	h.assertLoggedIn(t, b.cookie)
	tokens := h.issuedTokens()
	if len(tokens) != 1 {
		t.Fatalf("the provider issued %d tokens, want 1", len(tokens))
	}
	token := tokens[0]
	h.assertNotShown(t, "access token", token)

	sessionID := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, resp := range h.responses {
		for _, line := range resp.Header.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(line)
			if err != nil || c.Value != "" && !sessionID.MatchString(c.Value) {
				t.Errorf("Set-Cookie %q: the value is not a session ID", line)
			}
		}
	}
	record, err := os.ReadFile(h.recordPath(b.cookie))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(record), token) {
		t.Error("the session record keeps the access token")
	}
}

// A server's write timeout is sized from MaxCallbackTime: it must count
// every call a callback can make to the provider, one after another.
func TestMaxCallbackTimeCountsEveryProviderCall(t *testing.T) {
	identifier := identifierFunc(func(context.Context, *Client, *Token, string) (User, error) { return User{}, nil })
	for _, tt := range []struct {
		name  string
		cfg   Config
		calls int
	}{
		{"token and user", Config{}, 2},
		{"GitHub: token, user and e-mails", Config{EmailsURL: "https://api.example/emails"}, 3},
		{"an Identifier's own call: token, keys and userinfo", Config{Identifier: identifier}, 3},
		{"all of them", Config{EmailsURL: "https://api.example/emails", Identifier: identifier}, 4},
	} {
		tt.cfg.Timeout = time.Minute
		if got, want := NewClient(tt.cfg, nil).MaxCallbackTime(), time.Duration(tt.calls)*time.Minute; got != want {
			t.Errorf("%s: MaxCallbackTime = %v, want %v", tt.name, got, want)
		}
	}
}

type identifierFunc func(ctx context.Context, c *Client, tok *Token, nonce string) (User, error)

func (f identifierFunc) Identify(ctx context.Context, c *Client, tok *Token, nonce string) (User, error) {
	return f(ctx, c, tok, nonce)
}
