package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// This file is the tests' stand-in for the provider: a JWKS served on
// loopback, a clock the tests move by hand, and a Verifier wired to both.

const (
	testIssuer   = "https://issuer.example"
	testClientID = "client-1"
	testNonce    = "n-0S6_WzA2Mj"
)

// fakeClock is a clock that moves only when a test says so.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// jwksServer serves a JWKS, as the provider's jwks_uri, and counts the
// requests it gets.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int64

	mu     sync.Mutex
	status int
	body   []byte
}

func newJWKSServer(t testing.TB, keys ...map[string]any) *jwksServer {
	s := &jwksServer{}
	s.serveKeys(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		status, body := s.status, s.body
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// serveKeys makes the server answer with a JWKS of keys from now on.
func (s *jwksServer) serveKeys(t testing.TB, keys ...map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	s.serve(http.StatusOK, body)
}

// serve makes the server answer with status and body from now on.
func (s *jwksServer) serve(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *jwksServer) fetches() int64 { return s.requests.Load() }

// fixture is a Verifier of tokens from testIssuer to testClientID, with
// its keys from a jwksServer and its time from a fakeClock.
type fixture struct {
	clock    *fakeClock
	jwks     *jwksServer
	keys     *KeySet
	verifier *Verifier
}

func newFixture(t testing.TB, jwks ...map[string]any) *fixture {
	clock := newFakeClock()
	server := newJWKSServer(t, jwks...)
	keys := NewKeySet(server.Client(), server.URL+"/jwks", clock.Now)
	verifier := NewVerifier(keys, Config{Issuer: testIssuer, ClientID: testClientID, Now: clock.Now})
	return &fixture{clock: clock, jwks: server, keys: keys, verifier: verifier}
}

// allTestJWKs is the public half of one key of each kind.
func allTestJWKs() []map[string]any {
	k := testKeys()
	return []map[string]any{k.rsa.jwk(), k.ec.jwk(), k.ed.jwk()}
}

// claims returns the claims of a valid ID token issued now, for a test to
// change.
func (f *fixture) claims() map[string]any { return validClaims(f.clock.Now()) }

// validClaims returns the claims of a valid ID token issued at now.
func validClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss":   testIssuer,
		"sub":   "alice",
		"aud":   testClientID,
		"exp":   now.Unix() + 600,
		"iat":   now.Unix(),
		"nonce": testNonce,
	}
}

// verify verifies token as the callback would, expecting testNonce.
func (f *fixture) verify(token string) (*Claims, error) {
	return f.verifier.Verify(context.Background(), token, testNonce)
}

// mustVerify verifies token and fails the test if it is refused.
func (f *fixture) mustVerify(t *testing.T, token string) *Claims {
	t.Helper()
	claims, err := f.verify(token)
	if err != nil {
		t.Fatalf("Verify refused a valid token: %v", err)
	}
	return claims
}

// assertRefused checks that err refuses token for wantReason, and that the
// message gives away no part of the token, a bearer credential.
func assertRefused(t testing.TB, err error, wantReason, token string) *VerifyError {
	t.Helper()
	var refused *VerifyError
	if !errors.As(err, &refused) {
		t.Fatalf("err = %v, want a *VerifyError with reason %s", err, wantReason)
	}
	if refused.Reason != wantReason {
		t.Fatalf("reason = %s, want %s (err: %v)", refused.Reason, wantReason, err)
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 && strings.Contains(err.Error(), part) {
			t.Errorf("the error contains part of the token: %v", err)
		}
	}
	return refused
}
