package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseJWK(t *testing.T) {
	keys := testKeys()
	b64 := base64.RawURLEncoding.EncodeToString

	// with returns jwk with the members in changes set (nil removes one).
	with := func(jwk map[string]any, changes map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range jwk {
			out[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return out
	}
	rsaKey, ecKey, edKey := keys.rsa.jwk(), keys.ec.jwk(), keys.ed.jwk()

	// A 1024-bit modulus: its bit length alone must get it refused.
	small := make([]byte, 128)
	if _, err := rand.Read(small); err != nil {
		t.Fatal(err)
	}
	small[0] |= 0x80

	// The EC key's point with y changed, so it is no longer on the curve.
	y, _ := base64.RawURLEncoding.DecodeString(ecKey["y"].(string))
	y[31] ^= 1

	tests := []struct {
		name    string
		jwk     map[string]any
		wantErr string // "" for a usable key
	}{
		{"RSA", rsaKey, ""},
		{"RSA declaring RS256", with(rsaKey, map[string]any{"alg": "RS256"}), ""},
		{"RSA without use", with(rsaKey, map[string]any{"use": nil}), ""},
		{"RSA with key_ops verify", with(rsaKey, map[string]any{"key_ops": []string{"verify"}}), ""},
		{"RSA of 1024 bits", with(rsaKey, map[string]any{"n": b64(small)}), "modulus"},
		{"RSA with e = 3", with(rsaKey, map[string]any{"e": b64([]byte{3})}), "exponent"},
		{"RSA with an even e", with(rsaKey, map[string]any{"e": b64([]byte{1, 0, 2})}), "exponent"},
		{"RSA with a huge e", with(rsaKey, map[string]any{"e": b64([]byte{1, 0, 0, 0, 1})}), "exponent"},
		{"RSA without n", with(rsaKey, map[string]any{"n": nil}), "modulus"},
		{"RSA with padded n", with(rsaKey, map[string]any{"n": rsaKey["n"].(string) + "=="}), "n:"},
		{"RSA for encryption", with(rsaKey, map[string]any{"use": "enc"}), "use"},
		{"RSA with key_ops without verify", with(rsaKey, map[string]any{"key_ops": []string{"encrypt"}}), "key_ops"},
		{"RSA with empty key_ops", with(rsaKey, map[string]any{"key_ops": []string{}}), "key_ops"},
		{"RSA with its private exponent", with(rsaKey, map[string]any{"d": "AQAB"}), "private"},

		{"EC P-256", ecKey, ""},
		{"EC off the curve", with(ecKey, map[string]any{"y": b64(y)}), "not on curve"},
		{"EC P-384", with(ecKey, map[string]any{"crv": "P-384"}), "crv"},
		{"EC with a short x", with(ecKey, map[string]any{"x": b64(make([]byte, 31))}), "32 bytes"},
		{"EC without y", with(ecKey, map[string]any{"y": nil}), "32 bytes"},

		{"Ed25519", edKey, ""},
		{"Ed448", with(edKey, map[string]any{"crv": "Ed448"}), "crv"},
		{"X25519", with(edKey, map[string]any{"crv": "X25519"}), "crv"},
		{"Ed25519 of 31 bytes", with(edKey, map[string]any{"x": b64(make([]byte, 31))}), "32 bytes"},

		{"symmetric", map[string]any{"kty": "oct", "k": b64([]byte("secret")), "kid": "hmac"}, "kty"},
		{"no kty", map[string]any{"kid": "x"}, "kty"},
		{"kty in lower case", with(rsaKey, map[string]any{"kty": "rsa"}), "kty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := parseJWK(mustJSON(t, tt.jwk))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parseJWK: %v", err)
				}
				if key.id != tt.jwk["kid"] {
					t.Errorf("id = %q, want %q", key.id, tt.jwk["kid"])
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parseJWK: err = %v, want one about %q", err, tt.wantErr)
			}
		})
	}
}

func TestKeySetSkipsKeysItCannotUse(t *testing.T) {
	keys := testKeys()
	unusable := []map[string]any{
		{"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
		{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "kid": "p384"},
		{"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "tiny"},
		{"kty": "RSA", "use": "enc", "n": keys.rsa2.jwk()["n"], "e": "AQAB", "kid": "enc"},
		{"kty": "OKP", "crv": "X25519", "x": "AA", "kid": "x25519"},
		{"kid": "no-kty"},
	}
	f := newFixture(t, append(unusable, keys.rsa.jwk())...)
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))
}

func TestKeySetRefetchesForAnUnknownKID(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, keys.rsa.jwk())
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))
	if n := f.jwks.fetches(); n != 1 {
		t.Fatalf("%d fetches after the first token, want 1", n)
	}

	// The provider rotates in a new key, and signs with it at once.
	f.clock.Advance(minRefetchInterval)
	f.jwks.serveKeys(t, keys.rsa.jwk(), keys.rsa2.jwk())
	f.mustVerify(t, keys.rsa2.sign(t, "RS256", f.claims()))
	if n := f.jwks.fetches(); n != 2 {
		t.Fatalf("%d fetches after a new kid, want 2", n)
	}
	// Both keys are cached now: no more fetches.
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))
	f.mustVerify(t, keys.rsa2.sign(t, "RS256", f.claims()))
	if n := f.jwks.fetches(); n != 2 {
		t.Fatalf("%d fetches for known kids, want 2", n)
	}
}

func TestKeySetRefetchesAtMostOncePerInterval(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, keys.rsa.jwk())
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims())) // fetch 1

	unknown := func(kid string) {
		t.Helper()
		token := keys.rsa.withKID(kid).sign(t, "RS256", f.claims())
		_, err := f.verify(token)
		assertRefused(t, err, ReasonUnknownKID, token)
	}
	f.clock.Advance(minRefetchInterval)
	unknown("random-1") // fetch 2
	if n := f.jwks.fetches(); n != 2 {
		t.Fatalf("%d fetches after an unknown kid, want 2", n)
	}
	f.clock.Advance(minRefetchInterval - time.Second)
	unknown("random-2")
	unknown("random-3")
	if n := f.jwks.fetches(); n != 2 {
		t.Fatalf("%d fetches for unknown kids within the interval, want still 2", n)
	}
	f.clock.Advance(time.Second)
	unknown("random-4") // fetch 3
	if n := f.jwks.fetches(); n != 3 {
		t.Fatalf("%d fetches once the interval has passed, want 3", n)
	}
}

func TestKeySetConcurrentCallersShareOneFetch(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, keys.rsa.jwk())
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims())) // fetch 1

	f.clock.Advance(minRefetchInterval)
	f.jwks.serveKeys(t, keys.rsa.jwk(), keys.rsa2.jwk())
	token := keys.rsa2.sign(t, "RS256", f.claims())

	const callers = 16
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := f.verify(token)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if n := f.jwks.fetches(); n != 2 {
		t.Errorf("%d fetches for %d concurrent callers with a new kid, want 2", n, callers)
	}
}

func TestKeySetDropsAWithdrawnKeyAfterMaxKeyAge(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, keys.rsa.jwk())
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))

	// The provider withdraws the key. Until the cache is maxKeyAge old we
	// do not know it.
	f.jwks.serveKeys(t, keys.rsa2.jwk())
	f.clock.Advance(maxKeyAge - time.Second)
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))
	if n := f.jwks.fetches(); n != 1 {
		t.Fatalf("%d fetches within maxKeyAge, want 1", n)
	}

	f.clock.Advance(time.Second)
	token := keys.rsa.sign(t, "RS256", f.claims())
	_, err := f.verify(token)
	assertRefused(t, err, ReasonUnknownKID, token)
	if n := f.jwks.fetches(); n != 2 {
		t.Fatalf("%d fetches once the keys are maxKeyAge old, want 2", n)
	}
	f.mustVerify(t, keys.rsa2.sign(t, "RS256", f.claims()))
}

func TestKeySetKeepsItsKeysWhenAFetchFails(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, keys.rsa.jwk())
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))

	f.jwks.serve(http.StatusServiceUnavailable, []byte("down for maintenance"))
	f.clock.Advance(maxKeyAge)
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))
	if n := f.jwks.fetches(); n != 2 {
		t.Fatalf("%d fetches, want 2: one at the start, one when the keys grew old", n)
	}

	// An unknown kid now says why the keys could not be refreshed.
	f.clock.Advance(minRefetchInterval)
	token := keys.rsa2.sign(t, "RS256", f.claims())
	_, err := f.verify(token)
	assertRefused(t, err, ReasonUnknownKID, token)
	if !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("err = %v, want it to tell the failed fetch", err)
	}
}

func TestKeySetSuccessfulFetchWithNoUsableKeyKeepsTheOldKeys(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, keys.rsa.jwk())
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))

	f.jwks.serveKeys(t, map[string]any{"kty": "oct", "k": "c2VjcmV0"})
	f.clock.Advance(maxKeyAge)
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))
	if n := f.jwks.fetches(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
}

func TestKeySetUnavailable(t *testing.T) {
	keys := testKeys()
	oversized := append([]byte(`{"keys":[`+string(mustJSON(t, keys.rsa.jwk()))+`]}`), make([]byte, maxDocumentSize)...)
	for i := len(oversized) - maxDocumentSize; i < len(oversized); i++ {
		oversized[i] = ' ' // valid JSON, were it not too large
	}
	tests := []struct {
		name    string
		status  int
		body    []byte
		wantErr string
	}{
		{"server error", http.StatusInternalServerError, []byte(`{}`), "HTTP 500"},
		{"not JSON", http.StatusOK, []byte(`<html>`), "JSON"},
		{"no keys member", http.StatusOK, []byte(`{"jwks":[]}`), "no key"},
		{"only unusable keys", http.StatusOK, []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`), "no key"},
		{"over 1 MiB", http.StatusOK, oversized, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.jwks.serve(tt.status, tt.body)
			token := keys.rsa.sign(t, "RS256", f.claims())
			_, err := f.verify(token)
			assertRefused(t, err, ReasonKeysUnavailable, token)
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantErr)
			}
			// No hammering a provider that is down, either.
			f.clock.Advance(minRefetchInterval - time.Second)
			_, err = f.verify(token)
			assertRefused(t, err, ReasonKeysUnavailable, token)
			if n := f.jwks.fetches(); n != 1 {
				t.Errorf("%d fetches within the interval, want 1", n)
			}
		})
	}
}

func TestKeySetDoesNotFollowRedirects(t *testing.T) {
	keys := testKeys()
	jwks := mustJSON(t, map[string]any{"keys": []any{keys.rsa.jwk()}})
	mux := http.NewServeMux()
	mux.Handle("/jwks", http.RedirectHandler("/elsewhere", http.StatusFound))
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jwks) })
	server := httptest.NewServer(mux)
	defer server.Close()

	clock := newFakeClock()
	client := &http.Client{} // one that would follow redirects
	v := NewVerifier(NewKeySet(client, server.URL+"/jwks", clock.Now), Config{Issuer: testIssuer, ClientID: testClientID, Now: clock.Now})
	token := keys.rsa.sign(t, "RS256", validClaims(clock.Now()))
	_, err := v.Verify(context.Background(), token, testNonce)
	assertRefused(t, err, ReasonKeysUnavailable, token)
	if !strings.Contains(err.Error(), "HTTP 302") {
		t.Errorf("err = %v, want it to mention the redirect", err)
	}
	if client.CheckRedirect != nil {
		t.Error("NewKeySet changed the caller's client")
	}
}

func TestKeySetRefusesAPlainHTTPURL(t *testing.T) {
	keys := testKeys()
	clock := newFakeClock()
	// Not loopback, so refused before any request is made.
	ks := NewKeySet(nil, "http://issuer.example/jwks", clock.Now)
	v := NewVerifier(ks, Config{Issuer: testIssuer, ClientID: testClientID, Now: clock.Now})
	token := keys.rsa.sign(t, "RS256", validClaims(clock.Now()))
	_, err := v.Verify(context.Background(), token, testNonce)
	assertRefused(t, err, ReasonKeysUnavailable, token)
	if !strings.Contains(err.Error(), "https") {
		t.Errorf("err = %v, want it to ask for https", err)
	}
}

func TestKeySetTokenWithoutKID(t *testing.T) {
	keys := testKeys()
	withoutKID := func(k testKey, alg string, f *fixture) string {
		return compactJWS(t, map[string]any{"alg": alg}, f.claims(), k.signFunc(t, alg))
	}

	// One key for RS256 among keys of other kinds: that one is used.
	f := newFixture(t, allTestJWKs()...)
	f.mustVerify(t, withoutKID(keys.rsa, "RS256", f))
	f.mustVerify(t, withoutKID(keys.ed, "EdDSA", f))

	// Two keys for RS256: the token must say which.
	f = newFixture(t, keys.rsa.jwk(), keys.rsa2.jwk())
	token := withoutKID(keys.rsa, "RS256", f)
	_, err := f.verify(token)
	assertRefused(t, err, ReasonUnknownKID, token)
	if !strings.Contains(err.Error(), "no kid") {
		t.Errorf("err = %v, want it to say the token has no kid", err)
	}

	// No key for ES256.
	token = withoutKID(keys.ec, "ES256", f)
	_, err = f.verify(token)
	assertRefused(t, err, ReasonUnsupportedAlg, token)
}

func TestKeySetPicksTheKeyOfTheKindTheAlgorithmNeeds(t *testing.T) {
	// RFC 7517 §4.5 lets keys of different types share a kid.
	keys := testKeys()
	shared := "shared"
	f := newFixture(t, keys.rsa.withKID(shared).jwk(), keys.ec.withKID(shared).jwk())
	f.mustVerify(t, keys.rsa.withKID(shared).sign(t, "RS256", f.claims()))
	f.mustVerify(t, keys.ec.withKID(shared).sign(t, "ES256", f.claims()))

	// Two keys of one kind under one kid are ambiguous.
	f = newFixture(t, keys.rsa.withKID(shared).jwk(), keys.rsa2.withKID(shared).jwk())
	token := keys.rsa.withKID(shared).sign(t, "RS256", f.claims())
	_, err := f.verify(token)
	assertRefused(t, err, ReasonUnknownKID, token)
}

func TestKeySetWaitingCallerHonoursItsContext(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, allTestJWKs()...)
	// As if another caller's fetch were under way, and never ending.
	f.keys.mu.Lock()
	f.keys.fetching = make(chan struct{})
	f.keys.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	token := keys.rsa.sign(t, "RS256", f.claims())
	_, err := f.verifier.Verify(ctx, token, testNonce)
	assertRefused(t, err, ReasonKeysUnavailable, token)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
}

// heldJWKS is a JWKS endpoint that answers with keys only once release
// is closed. It says on arrived when a request has come in, and on dropped
// when a client gives up on one.
type heldJWKS struct {
	url              string
	arrived, dropped chan struct{}
	release          chan struct{}
	fetches          atomic.Int64
}

func newHeldJWKS(t *testing.T, keys ...map[string]any) *heldJWKS {
	t.Helper()
	body := mustJSON(t, map[string]any{"keys": keys})
	h := &heldJWKS{arrived: make(chan struct{}, 16), dropped: make(chan struct{}, 16), release: make(chan struct{})}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fetches.Add(1)
		h.arrived <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
			h.dropped <- struct{}{}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(server.Close)
	t.Cleanup(server.CloseClientConnections)
	h.url = server.URL + "/jwks"
	return h
}

// TestKeySetFetchOutlivesTheVisitorWhoStartedIt: the first fetch runs on
// its own, so a visitor who hangs up while it runs neither cancels it nor
// blocks the logins after it for minRefetchInterval, and a second caller
// waits for the same fetch rather than starting another.
func TestKeySetFetchOutlivesTheVisitorWhoStartedIt(t *testing.T) {
	keys := testKeys()
	clock := newFakeClock()
	jwks := newHeldJWKS(t, keys.rsa.jwk())
	verifier := NewVerifier(NewKeySet(nil, jwks.url, clock.Now), Config{Issuer: testIssuer, ClientID: testClientID, Now: clock.Now})
	token := keys.rsa.sign(t, "RS256", validClaims(clock.Now()))

	visitor, hangUp := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := verifier.Verify(visitor, token, testNonce)
		first <- err
	}()
	<-jwks.arrived // the fetch is under way
	second := make(chan error, 1)
	go func() {
		_, err := verifier.Verify(context.Background(), token, testNonce)
		second <- err
	}()
	hangUp()
	err := <-first
	assertRefused(t, err, ReasonKeysUnavailable, token)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("the visitor who hung up got %v, want it to wrap context.Canceled", err)
	}
	// Were the fetch on the visitor's context, the JWKS endpoint would
	// see its request dropped within moments.
	select {
	case <-jwks.dropped:
		t.Fatal("the fetch was given up when the visitor hung up")
	case <-time.After(200 * time.Millisecond):
	}

	close(jwks.release)
	if err := <-second; err != nil {
		t.Errorf("the caller waiting with it: %v, want the token verified", err)
	}
	if _, err := verifier.Verify(context.Background(), token, testNonce); err != nil {
		t.Errorf("a caller after it: %v, want the token verified", err)
	}
	if n := jwks.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// TestKeySetFetchHasATimeoutOfItsOwn: a JWKS endpoint that never answers
// holds a caller without a deadline no longer than the fetch timeout.
func TestKeySetFetchHasATimeoutOfItsOwn(t *testing.T) {
	keys := testKeys()
	clock := newFakeClock()
	jwks := newHeldJWKS(t, keys.rsa.jwk())
	keySet := NewKeySet(&http.Client{}, jwks.url, clock.Now)
	if keySet.fetchTimeout != defaultFetchTimeout {
		t.Errorf("fetch timeout %s for a client without one, want %s", keySet.fetchTimeout, defaultFetchTimeout)
	}
	keySet.fetchTimeout = 50 * time.Millisecond
	verifier := NewVerifier(keySet, Config{Issuer: testIssuer, ClientID: testClientID, Now: clock.Now})
	token := keys.rsa.sign(t, "RS256", validClaims(clock.Now()))

	_, err := verifier.Verify(context.Background(), token, testNonce)
	assertRefused(t, err, ReasonKeysUnavailable, token)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
}

// TestKeySetStopsUsingKeysItCannotConfirmForADay: while refreshes fail,
// the keys fetched last are used for maxStaleKeyAge, and then no longer.
func TestKeySetStopsUsingKeysItCannotConfirmForADay(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, keys.rsa.jwk())
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))

	f.jwks.serve(http.StatusServiceUnavailable, []byte("down"))
	f.clock.Advance(maxStaleKeyAge - time.Minute)
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))

	f.clock.Advance(time.Minute)
	token := keys.rsa.sign(t, "RS256", f.claims())
	_, err := f.verify(token)
	assertRefused(t, err, ReasonKeysUnavailable, token)
	if !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("err = %v, want it to tell why the keys could not be fetched", err)
	}

	// Once the provider is back, so are logins.
	f.jwks.serveKeys(t, keys.rsa.jwk())
	f.clock.Advance(minRefetchInterval)
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))
}

// TestKeySetReady: Ready fetches the keys when none are held, fails while
// they cannot be had, without asking more than every interval, and
// answers from the cache once they are held.
func TestKeySetReady(t *testing.T) {
	keys := testKeys()
	f := newFixture(t)
	f.jwks.serve(http.StatusServiceUnavailable, []byte("down"))
	ctx := context.Background()
	if err := f.keys.Ready(ctx); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("Ready with the provider down: %v, want the failed fetch", err)
	}
	f.jwks.serveKeys(t, keys.rsa.jwk())
	if err := f.keys.Ready(ctx); err == nil {
		t.Error("Ready fetched again within the interval")
	}
	if n := f.jwks.fetches(); n != 1 {
		t.Errorf("%d fetches within the interval, want 1", n)
	}

	f.clock.Advance(minRefetchInterval)
	if err := f.keys.Ready(ctx); err != nil {
		t.Fatalf("Ready with the provider back: %v", err)
	}
	f.jwks.serve(http.StatusServiceUnavailable, []byte("down"))
	f.clock.Advance(maxKeyAge)
	if err := f.keys.Ready(ctx); err != nil {
		t.Errorf("Ready with keys an hour old: %v", err)
	}
	if n := f.jwks.fetches(); n != 2 {
		t.Errorf("%d fetches, want 2: Ready asks only when no key is usable", n)
	}
	// The token that arrives now fetches (the keys are old) and still
	// verifies with the keys held.
	f.mustVerify(t, keys.rsa.sign(t, "RS256", f.claims()))

	f.clock.Advance(maxStaleKeyAge)
	if err := f.keys.Ready(ctx); err == nil {
		t.Error("Ready with keys no fetch has confirmed for a day")
	}
}
