package oauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

// TestChecklist49_58_CanarySweep runs the success path and every failure
// path in one harness, then sweeps every response and log line for the
// canaries (oauth/SECURITY.md #49, #58). The sweep runs after every other
// test of this package too; this one also checks that the canaries were
// live: the provider really received the secret, codes, verifiers and
// tokens that must not come back out.
func TestChecklist49_58_CanarySweep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{issuer: "https://as.example",
		configure: func(c *Config) { c.Timeout = 200 * time.Millisecond }})
	// flow runs one login to its callback with the provider misbehaving as
	// m and the callback URL changed by edit.
	flow := func(m oauthtest.Misbehaviour, edit func(q url.Values)) *browser {
		h.as.Misbehave(m)
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		callback, _ := h.approve(t, authURL)
		u, _ := url.Parse(callback)
		q := u.Query()
		if edit != nil {
			edit(q)
		}
		u.RawQuery = q.Encode()
		b.get(u.String())
		return b
	}
	ok := oauthtest.Misbehaviour{}
	b := flow(ok, nil) // success
	h.assertLoggedIn(t, b.cookie)
	b.do(http.MethodPost, "/logout", sameOrigin)
	for _, fault := range []oauthtest.TokenFault{oauthtest.TokenErrorResponse, oauthtest.TokenErrorWith200,
		oauthtest.TokenServerError, oauthtest.TokenGarbage, oauthtest.TokenNoAccessToken, oauthtest.TokenHang} {
		flow(oauthtest.Misbehaviour{Token: fault}, nil)
	}
	for _, fault := range []oauthtest.UserFault{oauthtest.UserUnauthorized, oauthtest.UserServerError, oauthtest.UserGarbage} {
		flow(oauthtest.Misbehaviour{User: fault}, nil)
	}
	flow(ok, func(q url.Values) { q.Set("state", q.Get("state")+"x") })
	flow(ok, func(q url.Values) { q.Del("state") })
	flow(ok, func(q url.Values) { q.Add("code", q.Get("code")) })
	flow(ok, func(q url.Values) { q.Set("iss", "https://evil.example") })
	flow(ok, func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") })
	flow(ok, func(q url.Values) { q.Set("code", q.Get("code")+"x") }) // a code the provider refuses
	expired := h.newBrowser()
	authURL, _ := expired.startLogin(t, "/private")
	callback, _ := h.approve(t, authURL)
	h.clock.Advance(11 * time.Minute)
	expired.get(callback)

	var secretSent bool
	for _, r := range h.as.TokenRequests() {
		secretSent = secretSent || r.Form.Get("client_secret") == canarySecret
	}
	if !secretSent {
		t.Error("the client secret never reached the provider: the canary is dead")
	}
	kinds := map[string]int{}
	for _, kind := range h.secrets() {
		kinds[kind]++
	}
	for _, kind := range []string{"a code", "an access token", "a state", "a PKCE verifier", "a session ID"} {
		if kinds[kind] < 2 {
			t.Errorf("only %d of %s among the canaries", kinds[kind], kind)
		}
	}
	for _, leak := range h.leaks() {
		t.Errorf("leak: %s", leak)
	}
}

// TestCanarySweepFindsLeaks checks the sweep itself: a canary put where it
// must not be is reported.
func TestCanarySweepFindsLeaks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	authURL, state := b.startLogin(t, "/private")
	callback, code := h.approve(t, authURL)
	b.get(callback)
	if leaks := h.leaks(); len(leaks) != 0 {
		t.Fatalf("leaks before any were planted: %q", leaks)
	}
	h.mu.Lock()
	h.responses = append(h.responses, &response{Status: 200, Header: http.Header{"Location": {"/?s=" + state}}, Body: "code " + code})
	h.mu.Unlock()
	fmt.Fprintf(h.logs, "{\"secret\":%q}\n", canarySecret)
	leaks := strings.Join(h.leaks(), "\n")
	for _, want := range []string{"a state is in the header Location", "a code is in the body", "the client secret is in the log"} {
		if !strings.Contains(leaks, want) {
			t.Errorf("the sweep did not report %q; it reported:\n%s", want, leaks)
		}
	}
	// Take the planted leaks back, for the sweep that runs at the end.
	h.mu.Lock()
	h.responses = h.responses[:len(h.responses)-1]
	h.mu.Unlock()
	h.logs.mu.Lock()
	h.logs.buf.Truncate(h.logs.buf.Len() - len(fmt.Sprintf("{\"secret\":%q}\n", canarySecret)))
	h.logs.mu.Unlock()
}

// TestChecklist57_SecurityEvents drives each path of the login and checks
// that it logs exactly one record with the expected event and reason
// (oauth/SECURITY.md #57), naming the session by a keyed hash, never by
// its ID (#58).
func TestChecklist57_SecurityEvents(t *testing.T) {
	t.Parallel()
	const issuer = "https://as.example"
	// Each row prepares its path and returns the request to log.
	type step struct {
		b      *browser
		method string
		target string
	}
	loginTo := func(t *testing.T, h *harness) (*browser, string, url.Values) {
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		callback, _ := h.approve(t, authURL)
		u, _ := url.Parse(callback)
		return b, callback, u.Query()
	}
	edited := func(q url.Values, edit func(url.Values)) string {
		edit(q)
		return testRedirectURL + "?" + q.Encode()
	}
	tests := []struct {
		name   string
		event  string
		reason string
		opts   harnessOptions
		setup  func(t *testing.T, h *harness) step
		check  func(t *testing.T, h *harness, r logRecord, b *browser)
	}{
		{name: "#57 login started", event: "login_started", setup: func(t *testing.T, h *harness) step {
			return step{h.newBrowser(), http.MethodGet, "/private"}
		}},
		{name: "#57 no state", event: "callback_rejected", reason: "state_missing", setup: func(t *testing.T, h *harness) step {
			b, _, q := loginTo(t, h)
			return step{b, http.MethodGet, edited(q, func(q url.Values) { q.Del("state") })}
		}},
		{name: "#57 wrong state", event: "callback_rejected", reason: "state_mismatch", setup: func(t *testing.T, h *harness) step {
			b, _, q := loginTo(t, h)
			return step{b, http.MethodGet, edited(q, func(q url.Values) { q.Set("state", "wrong") })}
		}},
		{name: "#57 expired state", event: "callback_rejected", reason: "state_expired", setup: func(t *testing.T, h *harness) step {
			b, callback, _ := loginTo(t, h)
			h.clock.Advance(9 * time.Minute)
			b.startLogin(t, "/private") // another tab keeps the session alive
			h.clock.Advance(2 * time.Minute)
			return step{b, http.MethodGet, callback}
		}},
		{name: "#57 iss mismatch", event: "callback_rejected", reason: "iss_mismatch", opts: harnessOptions{issuer: issuer},
			setup: func(t *testing.T, h *harness) step {
				b, _, q := loginTo(t, h)
				return step{b, http.MethodGet, edited(q, func(q url.Values) { q.Set("iss", "https://evil.example") })}
			}},
		{name: "#57 duplicate parameter", event: "callback_rejected", reason: "duplicate_param", setup: func(t *testing.T, h *harness) step {
			b, _, q := loginTo(t, h)
			return step{b, http.MethodGet, edited(q, func(q url.Values) { q.Add("state", q.Get("state")) })}
		}},
		{name: "#57 provider error", event: "callback_rejected", reason: "provider_error",
			setup: func(t *testing.T, h *harness) step {
				b, _, q := loginTo(t, h)
				return step{b, http.MethodGet, edited(q, func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") })}
			},
			check: func(t *testing.T, _ *harness, r logRecord, _ *browser) {
				if r.str("error") != "access_denied" {
					t.Errorf("error %q, want access_denied", r.str("error"))
				}
			}},
		{name: "#57 token exchange failed", event: "token_exchange_failed",
			setup: func(t *testing.T, h *harness) step {
				b, callback, _ := loginTo(t, h)
				h.as.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenErrorResponse})
				return step{b, http.MethodGet, callback}
			},
			check: func(t *testing.T, _ *harness, r logRecord, _ *browser) {
				if r.str("error") != "invalid_grant" {
					t.Errorf("error %q, want invalid_grant", r.str("error"))
				}
			}},
		{name: "#57 user fetch failed", event: "user_fetch_failed", setup: func(t *testing.T, h *harness) step {
			b, callback, _ := loginTo(t, h)
			h.as.Misbehave(oauthtest.Misbehaviour{User: oauthtest.UserServerError})
			return step{b, http.MethodGet, callback}
		}},
		{name: "#57 login succeeded", event: "login_succeeded", opts: harnessOptions{issuer: issuer},
			setup: func(t *testing.T, h *harness) step {
				b, callback, _ := loginTo(t, h)
				return step{b, http.MethodGet, callback}
			},
			check: func(t *testing.T, h *harness, r logRecord, b *browser) {
				rec, _ := h.readRecord(b.cookie)
				if rec.Values.User == nil || r.str("subject") != rec.Values.User.Subject || r.str("issuer") != issuer {
					t.Errorf("subject %q, issuer %q; want the user's %+v and %q", r.str("subject"), r.str("issuer"), rec.Values.User, issuer)
				}
			}},
		{name: "#57 logout", event: "logout", setup: func(t *testing.T, h *harness) step {
			b := h.newBrowser()
			b.login(t, "/private")
			return step{b, http.MethodPost, "/logout"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts)
			s := tt.setup(t, h)
			before, mark := s.b.cookie, h.logs.Len()
			s.b.do(s.method, s.target, nil)
			events := h.eventsSince(t, mark)
			if len(events) != 1 || events[0].str("event") != tt.event || events[0].str("reason") != tt.reason {
				t.Fatalf("logged %v, want one %s record with reason %q", events, tt.event, tt.reason)
			}
			// The sweep makes sure no session ID is in the log; here the
			// record names the session by a keyed hash (#58): the one the
			// request came with, or the one it started.
			want := logName(before)
			if tt.event == "login_started" || tt.event == "login_succeeded" {
				want = logName(s.b.cookie)
			}
			if got := events[0].str("session"); got != want {
				t.Errorf("session %q, want the keyed hash %q", got, want)
			}
			if tt.check != nil {
				tt.check(t, h, events[0], s.b)
			}
		})
	}
}

// TestChecklist59_LogInjectionAndLength sends text made to forge log
// records or flood them (oauth/SECURITY.md #59): it stays inside one
// field of one record, escaped, and cut to 256 bytes.
func TestChecklist59_LogInjectionAndLength(t *testing.T) {
	t.Parallel()
	const ellipsis = "…"
	t.Run("#59 a newline and a JSON record in error", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		b := h.newBrowser()
		_, state := b.startLogin(t, "/private")
		injected := "x\n{\"event\":\"login_succeeded\",\"level\":\"INFO\"}"
		mark := h.logs.Len()
		b.get(callbackURL("error", injected, "state", state))
		text := h.logs.String()[mark:]
		records := h.logs.recordsSince(t, mark)
		if len(records) != 1 || strings.Count(text, "\n") != 1 {
			t.Fatalf("the callback wrote %d records in %d lines, want one:\n%s", len(records), strings.Count(text, "\n"), text)
		}
		if r := records[0]; r.str("event") != "callback_rejected" || r.str("error") != injected {
			t.Errorf("record %v, want callback_rejected with the injected text as its error field", r)
		}
	})
	t.Run("#59 a 10 KB error", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		b := h.newBrowser()
		_, state := b.startLogin(t, "/private")
		long := strings.Repeat("e", 10<<10)
		mark := h.logs.Len()
		b.get(callbackURL("error", long, "state", state))
		events := h.eventsSince(t, mark)
		if len(events) != 1 {
			t.Fatalf("logged %v, want one record", events)
		}
		if got := events[0].str("error"); len(got) > 256+len(ellipsis) || !strings.HasSuffix(got, ellipsis) || !strings.HasPrefix(got, "eee") {
			t.Errorf("error logged in %d bytes, want at most 256 and an ellipsis", len(got))
		}
	})
	t.Run("#59 a 10 KB error_description from the token endpoint", func(t *testing.T) {
		t.Parallel()
		description := strings.Repeat("d", 10<<10) + "\n{\"event\":\"login_succeeded\"}"
		h := newHarness(t, harnessOptions{provider: func(w http.ResponseWriter, r *http.Request, as http.Handler) {
			if r.URL.Path != "/token" {
				as.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": description})
		}})
		mark := h.logs.Len()
		checkFailedLogin(t, h, http.StatusBadGateway)
		var found bool
		for _, line := range strings.Split(h.logs.String()[mark:], "\n") {
			if len(line) > 2048 {
				t.Errorf("a log line of %d bytes", len(line))
			}
		}
		for _, r := range h.eventsSince(t, mark) {
			if r.str("event") == "token_exchange_failed" {
				found = true
				if got := r.str("error_description"); len(got) > 256+len(ellipsis) || !strings.HasSuffix(got, ellipsis) {
					t.Errorf("error_description logged in %d bytes, want at most 256 and an ellipsis", len(got))
				}
			}
			if r.str("event") == "login_succeeded" {
				t.Error("a forged login_succeeded record")
			}
		}
		if !found {
			t.Error("no token_exchange_failed record")
		}
	})
}
