package oauthtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

func TestTokenFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault oauthtest.TokenFault
		check func(*testing.T, response)
	}{
		{"error response", oauthtest.TokenErrorResponse, func(t *testing.T, r response) {
			checkError(t, r, http.StatusBadRequest, "invalid_grant")
		}},
		{"error with 200", oauthtest.TokenErrorWith200, func(t *testing.T, r response) {
			checkError(t, r, http.StatusOK, "bad_verification_code")
		}},
		{"garbage", oauthtest.TokenGarbage, func(t *testing.T, r response) {
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" || json.Valid([]byte(r.body)) {
				t.Errorf("status %d, Content-Type %q, body %q; want 200, JSON claimed, not JSON", r.status, r.header.Get("Content-Type"), r.body)
			}
		}},
		{"oversized", oauthtest.TokenOversized, func(t *testing.T, r response) {
			if r.status != http.StatusOK || len(r.body) <= 8<<20 || !strings.HasPrefix(r.body, `{"token_type":"Bearer","access_token":"AAAA`) || !json.Valid([]byte(r.body)) {
				t.Errorf("status %d, %d bytes starting %.50q; want 200 and over 8 MiB of JSON", r.status, len(r.body), r.body)
			}
		}},
		{"server error", oauthtest.TokenServerError, func(t *testing.T, r response) {
			if r.status != http.StatusInternalServerError || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("status %d, Content-Type %q; want 500 and HTML", r.status, r.header.Get("Content-Type"))
			}
		}},
		{"no access token", oauthtest.TokenNoAccessToken, func(t *testing.T, r response) {
			if r.status != http.StatusOK || strings.TrimSpace(r.body) != `{"token_type":"Bearer"}` {
				t.Errorf("status %d, body %s; want 200 and a token type alone", r.status, r.body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, config())
			code := authorizeCode(t, s, authorizeParams())
			s.Misbehave(oauthtest.Misbehaviour{Token: tt.fault})

			tt.check(t, postToken(t, s, tokenForm(code)))

			if s.TokenCalls() != 1 {
				t.Errorf("TokenCalls() = %d, want 1", s.TokenCalls())
			}
			// A fault leaves the provider as it was: the code still works.
			s.Misbehave(oauthtest.Misbehaviour{})
			exchange(t, s, code)
		})
	}
}

func TestTokenFormEncoded(t *testing.T) {
	s := start(t, config())
	s.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenFormEncoded})

	r := postToken(t, s, tokenForm(authorizeCode(t, s, authorizeParams())))

	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("status %d, Content-Type %q; want 200, form-encoded", r.status, r.header.Get("Content-Type"))
	}
	body, err := url.ParseQuery(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if body.Get("token_type") != "bearer" || body.Get("scope") != "read:user" {
		t.Errorf("body = %q, want token_type=bearer and scope=read:user", r.body)
	}
	if r := getUser(t, s, s.UserURL(), "Bearer "+body.Get("access_token")); r.status != http.StatusOK {
		t.Errorf("the form-encoded access token does not work: status %d", r.status)
	}
	// Errors are still JSON.
	refused := tokenForm(authorizeCode(t, s, authorizeParams()))
	refused.Set("grant_type", "password")
	checkError(t, postToken(t, s, refused), http.StatusBadRequest, "unsupported_grant_type")
}

// serveWatched serves handle, which wraps a provider to watch it, and
// returns the server's URL.
func serveWatched(t *testing.T, handle func(http.ResponseWriter, *http.Request)) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(handle))
	t.Cleanup(s.Close)
	return s.URL
}

func TestTokenHangWaitsForTheClient(t *testing.T) {
	p := oauthtest.New(config())
	p.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenHang})
	returned := make(chan struct{})
	base := serveWatched(t, func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		p.ServeHTTP(w, r)
	})
	// The client's timeout is what this fault exists to test.
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req := formRequest(t, base+"/token", tokenForm("code")).WithContext(ctx)

	resp, err := http.DefaultClient.Do(req)

	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer, status %d", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the client's deadline", err)
	}
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler still hangs after the client left")
	}
}

// writeCounter counts the writes to a response and holds the third until
// the client has gone away.
type writeCounter struct {
	http.ResponseWriter
	ctx    context.Context
	writes int
}

func (w *writeCounter) Write(b []byte) (int, error) {
	w.writes++
	if w.writes == 3 {
		<-w.ctx.Done()
	}
	return w.ResponseWriter.Write(b)
}

func TestTokenOversizedStopsWhenTheClientLeaves(t *testing.T) {
	p := oauthtest.New(config())
	p.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenOversized})
	var (
		mu     sync.Mutex
		writes int
	)
	returned := make(chan struct{})
	base := serveWatched(t, func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		counter := &writeCounter{ResponseWriter: w, ctx: r.Context()}
		p.ServeHTTP(counter, r)
		mu.Lock()
		writes = counter.writes
		mu.Unlock()
	})

	resp, err := http.Post(base+"/token", "application/x-www-form-urlencoded", strings.NewReader(tokenForm("code").Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // before the end, which closes the connection

	<-returned
	mu.Lock()
	defer mu.Unlock()
	// The opening, one chunk, and at most the chunk held until the client
	// left: nothing after that.
	if writes > 3 {
		t.Errorf("the handler wrote %d times, want at most 3: it must stop once the client has gone", writes)
	}
}

func TestUserFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault oauthtest.UserFault
		check func(*testing.T, response)
	}{
		{"unauthorized", oauthtest.UserUnauthorized, func(t *testing.T, r response) {
			if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), `Bearer realm="oauthtest", error="invalid_token"`) {
				t.Errorf("status %d, WWW-Authenticate %q; want 401 and an invalid_token challenge", r.status, r.header.Get("WWW-Authenticate"))
			}
		}},
		{"server error", oauthtest.UserServerError, func(t *testing.T, r response) {
			if r.status != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", r.status)
			}
		}},
		{"garbage", oauthtest.UserGarbage, func(t *testing.T, r response) {
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" || json.Valid([]byte(r.body)) {
				t.Errorf("status %d, Content-Type %q, body %q; want 200, JSON claimed, not JSON", r.status, r.header.Get("Content-Type"), r.body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, config())
			token := signIn(t, s)
			s.Misbehave(oauthtest.Misbehaviour{User: tt.fault})

			r := getUser(t, s, s.UserURL(), "Bearer "+token)

			tt.check(t, r)
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
			}
			if s.UserCalls() != 1 || len(s.UserRequests()) != 1 {
				t.Errorf("UserCalls() = %d with %d recorded, want 1", s.UserCalls(), len(s.UserRequests()))
			}
			s.Misbehave(oauthtest.Misbehaviour{})
			if r := getUser(t, s, s.UserURL(), "Bearer "+token); r.status != http.StatusOK {
				t.Errorf("after the fault is cleared: status %d, want 200", r.status)
			}
		})
	}
}

func TestMisbehaveWhileServing(t *testing.T) {
	s := start(t, config())
	token := signIn(t, s)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				req, err := http.NewRequest(http.MethodGet, s.UserURL(), nil)
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := s.HTTP.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		})
	}
	for i := range 20 {
		s.Misbehave(oauthtest.Misbehaviour{User: oauthtest.UserFault(i % 4)})
	}
	wg.Wait()
	if s.UserCalls() != 40 {
		t.Errorf("UserCalls() = %d, want 40", s.UserCalls())
	}
}

func TestMisbehaveRefusesUnknownFaults(t *testing.T) {
	for _, m := range []oauthtest.Misbehaviour{
		{Token: oauthtest.TokenFormEncoded + 1},
		{Token: -1},
		{User: oauthtest.UserGarbage + 1},
		{Emails: oauthtest.UserGarbage + 1},
		{Userinfo: -1},
		{IDToken: oauthtest.IDTokenOtherSubject + 1},
		{IDToken: -1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Misbehave(%+v) did not panic", m)
				}
			}()
			oauthtest.New(config()).Misbehave(m)
		}()
	}
}

// Each endpoint has a fault of its own, which leaves the others alone.
func TestEndpointFaultsAreSeparate(t *testing.T) {
	s := start(t, openIDConfig())
	token := tokenFor(t, s, openIDParams()).AccessToken
	github := start(t, gitHubConfig("alice"))
	gitHubToken := signIn(t, github)

	for _, tt := range []struct {
		name   string
		server *oauthtest.Server
		m      oauthtest.Misbehaviour
		token  string
		faulty string // the path that fails
		fine   string // a path that must not
	}{
		{"userinfo", s, oauthtest.Misbehaviour{Userinfo: oauthtest.UserServerError}, token, "/userinfo", "/user"},
		{"user", s, oauthtest.Misbehaviour{User: oauthtest.UserServerError}, token, "/user", "/userinfo"},
		{"emails", github, oauthtest.Misbehaviour{Emails: oauthtest.UserServerError}, gitHubToken, "/user/emails", "/user"},
		{"user on GitHub", github, oauthtest.Misbehaviour{User: oauthtest.UserServerError}, gitHubToken, "/user", "/user/emails"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.server.Misbehave(tt.m)
			defer tt.server.Misbehave(oauthtest.Misbehaviour{})

			if r := getUserAs(t, tt.server, tt.faulty, tt.token, "test-agent"); r.status != http.StatusInternalServerError {
				t.Errorf("%s: status %d, want 500", tt.faulty, r.status)
			}
			if r := getUserAs(t, tt.server, tt.fine, tt.token, "test-agent"); r.status != http.StatusOK {
				t.Errorf("%s: status %d, want 200", tt.fine, r.status)
			}
		})
	}
}
