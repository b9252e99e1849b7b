package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"sync"
	"time"
)

const (
	// minRefetchInterval is the least time between two fetches of the
	// JWKS, so that a flood of tokens naming made-up kids cannot make us
	// hammer the provider. A key the provider has just rotated in is
	// found at most this late.
	minRefetchInterval = 30 * time.Second

	// maxKeyAge is how long fetched keys are used without asking the
	// provider again, so that a key it withdraws, perhaps because it
	// leaked, stops being trusted within the hour.
	maxKeyAge = time.Hour

	// maxStaleKeyAge is how long fetched keys are still used while every
	// refresh fails. A provider briefly down should not stop logins, but
	// keys we cannot confirm for a day are not trusted any longer: a key
	// the provider withdrew must not outlive it because someone blocks
	// our way to its JWKS.
	maxStaleKeyAge = 24 * time.Hour
)

// KeySet is the provider's signing keys, fetched from its JWKS endpoint
// (the jwks_uri of [Metadata]) and cached. It is safe for concurrent use.
//
// The keys are fetched on first use, and again when they are older than an
// hour or when a token names a kid that is not among them, which is how a
// key rotation shows (OpenID Connect Core §10.1.1). Fetches are at least
// 30 seconds apart.
//
// A fetch runs on its own, with a timeout of its own, not on the request
// that needed it: concurrent callers wait for the same fetch, and one who
// stops waiting (a visitor who hangs up) neither cancels it nor spoils its
// result for the others.
//
// A failed fetch keeps the keys fetched before, and they are used for up
// to 24 hours after the last successful fetch while the JWKS cannot be
// had; after that, tokens are refused until a fetch succeeds.
//
// Make one with [NewKeySet]; the zero KeySet is not usable.
type KeySet struct {
	client       *http.Client // follows no redirects; see withoutRedirects
	url          string
	now          func() time.Time
	fetchTimeout time.Duration

	mu        sync.Mutex // guards the fields below
	keys      []publicKey
	fetchedAt time.Time     // when keys was fetched; zero before the first success
	triedAt   time.Time     // when a fetch last started; zero before the first
	fetchErr  error         // why the last fetch failed; nil if it succeeded
	fetching  chan struct{} // closed when the fetch under way ends; nil when none is
}

// publicKey is one key from the JWKS that we can verify signatures with.
type publicKey struct {
	id        string           // the JWK's kid; may be ""
	algorithm string           // the JWK's alg; "" when it declares none
	key       crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey (P-256) or ed25519.PublicKey
}

// NewKeySet returns a KeySet for the JWKS at jwksURL, which must be https
// (http only on loopback hosts). Nothing is fetched until a token needs a
// key.
//
// Each fetch is bounded by client's Timeout, or 10 seconds when client is
// nil or has none; a caller of Verify stops waiting for it when its own
// context ends. Redirects are not followed, and a JWKS over 1 MiB is
// refused. now is the clock deciding when the keys are old; nil means
// time.Now.
func NewKeySet(client *http.Client, jwksURL string, now func() time.Time) *KeySet {
	if now == nil {
		now = time.Now
	}
	timeout := defaultFetchTimeout
	if client != nil && client.Timeout > 0 {
		timeout = client.Timeout
	}
	return &KeySet{
		client:       withoutRedirects(client),
		url:          jwksURL,
		now:          now,
		fetchTimeout: timeout,
	}
}

// keyFor returns the key to check a token whose header names kid and alg,
// fetching the JWKS when the cache calls for it. Its errors are
// *VerifyError.
func (ks *KeySet) keyFor(ctx context.Context, kid, alg string) (publicKey, error) {
	ks.mu.Lock()
	stale := ks.fetchedAt.IsZero() || ks.now().Sub(ks.fetchedAt) >= maxKeyAge
	ks.mu.Unlock()
	if stale {
		if _, err := ks.refresh(ctx); err != nil {
			return publicKey{}, err
		}
	}
	key, err := ks.find(kid, alg)
	// A kid we do not know may be a key the provider has just rotated in.
	if err != nil && err.Reason == ReasonUnknownKID {
		refreshed, waitErr := ks.refresh(ctx)
		if waitErr != nil {
			return publicKey{}, waitErr
		}
		if refreshed {
			key, err = ks.find(kid, alg)
		}
	}
	if err != nil {
		return publicKey{}, err
	}
	return key, nil
}

// refresh waits for a fetch of the JWKS: the one under way, or a new one
// unless a fetch started less than minRefetchInterval ago. It reports
// whether there was a fetch to wait for. When ctx ends first it gives up
// waiting, with a *VerifyError, and the fetch goes on for the next caller.
func (ks *KeySet) refresh(ctx context.Context) (bool, *VerifyError) {
	ks.mu.Lock()
	done := ks.fetching
	if done == nil {
		now := ks.now()
		if !ks.triedAt.IsZero() && now.Sub(ks.triedAt) < minRefetchInterval {
			ks.mu.Unlock()
			return false, nil
		}
		ks.triedAt = now
		done = make(chan struct{})
		ks.fetching = done
		// Detached from ctx, whose request may end at any moment, but
		// keeping its values (a trace ID, say) for the fetch's request.
		go ks.fetchInBackground(context.WithoutCancel(ctx), now, done)
	}
	ks.mu.Unlock()
	select {
	case <-done:
		return true, nil
	case <-ctx.Done():
		return true, &VerifyError{Reason: ReasonKeysUnavailable, Err: fmt.Errorf("waiting for the key set: %w", ctx.Err())}
	}
}

// fetchInBackground fetches the JWKS, bounded by fetchTimeout, stores the
// outcome and closes done. A failed fetch keeps the keys we have: while
// the provider is briefly unreachable, tokens signed with keys we already
// know still verify.
func (ks *KeySet) fetchInBackground(ctx context.Context, started time.Time, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, ks.fetchTimeout)
	defer cancel()
	keys, err := ks.fetch(ctx)
	ks.mu.Lock()
	if err != nil {
		ks.fetchErr = err
	} else {
		ks.keys, ks.fetchedAt, ks.fetchErr = keys, started, nil
	}
	ks.fetching = nil
	ks.mu.Unlock()
	close(done)
}

// Ready reports whether the key set holds keys that ID tokens can be
// checked with: fetched, and confirmed within the last day. When it holds
// none, it fetches them as a token would, no more often than every 30
// seconds, and waits for the fetch within ctx. A readiness check calls
// it: without keys no login can finish, and the first check fetches them
// before the first visitor needs them.
func (ks *KeySet) Ready(ctx context.Context) error {
	ks.mu.Lock()
	usable := ks.usable()
	ks.mu.Unlock()
	if usable {
		return nil
	}
	if _, err := ks.refresh(ctx); err != nil {
		return err.Err
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	switch {
	case ks.usable():
		return nil
	case ks.fetchErr != nil:
		return fmt.Errorf("no usable keys: %w", ks.fetchErr)
	}
	return errors.New("no usable keys")
}

// usable reports whether the cached keys may be used; find says why not.
// The caller holds ks.mu.
func (ks *KeySet) usable() bool {
	return len(ks.keys) > 0 && ks.now().Sub(ks.fetchedAt) < maxStaleKeyAge
}

// find picks the one cached key that names kid (any key, when kid is
// "") and allows alg.
func (ks *KeySet) find(kid, alg string) (publicKey, *VerifyError) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if len(ks.keys) == 0 {
		return publicKey{}, &VerifyError{Reason: ReasonKeysUnavailable, Err: ks.fetchErr}
	}
	if age := ks.now().Sub(ks.fetchedAt); age >= maxStaleKeyAge {
		err := fmt.Errorf("the keys were fetched %s ago and could not be fetched since", age.Round(time.Minute))
		if ks.fetchErr != nil {
			err = fmt.Errorf("%w: %w", err, ks.fetchErr)
		}
		return publicKey{}, &VerifyError{Reason: ReasonKeysUnavailable, Err: err}
	}
	var match publicKey
	named, allowing := 0, 0
	for _, k := range ks.keys {
		if kid != "" && k.id != kid {
			continue
		}
		named++
		if k.allows(alg) {
			match = k
			allowing++
		}
	}
	switch {
	case named == 0:
		return publicKey{}, ks.unknownKID("no key in the provider's key set has kid %s", quote(kid))
	case allowing == 0 && kid == "":
		return publicKey{}, refuse(ReasonUnsupportedAlg, "no key in the provider's key set allows alg %s", alg)
	case allowing == 0:
		return publicKey{}, refuse(ReasonUnsupportedAlg, "the key with kid %s does not allow alg %s", quote(kid), alg)
	case allowing > 1 && kid == "":
		// Trying each key in turn would work, but a token that does not
		// say which key signed it gets one chance, not several.
		return publicKey{}, ks.unknownKID("the token has no kid, and %d keys allow %s", allowing, alg)
	case allowing > 1:
		return publicKey{}, ks.unknownKID("%d keys have kid %s and allow %s", allowing, quote(kid), alg)
	}
	return match, nil
}

// unknownKID refuses a token for want of its key, adding why the last
// fetch failed if it did. The caller holds ks.mu.
func (ks *KeySet) unknownKID(format string, args ...any) *VerifyError {
	err := refuse(ReasonUnknownKID, format, args...)
	if ks.fetchErr != nil {
		err.Err = fmt.Errorf("%w (and the last fetch failed: %w)", err.Err, ks.fetchErr)
	}
	return err
}

// fetch gets the JWKS and parses the keys we can use.
func (ks *KeySet) fetch(ctx context.Context) ([]publicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := fetchJSON(ctx, ks.client, ks.url, &set); err != nil {
		return nil, fmt.Errorf("fetching the JWKS %s: %w", ks.url, err)
	}
	var keys []publicKey
	for _, raw := range set.Keys {
		// RFC 7517 §5: keys of a type we do not know, or that we cannot
		// use, are skipped rather than spoiling the set. Providers publish
		// encryption keys and newer key types beside their signing keys.
		if key, err := parseJWK(raw); err == nil {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("the JWKS %s has no key we can verify with (RSA, EC P-256 or Ed25519, for signing)", ks.url)
	}
	return keys, nil
}

// jsonWebKey is a JWK as the provider publishes it: the members we read
// (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2).
type jsonWebKey struct {
	KeyType   string   `json:"kty"`
	Use       string   `json:"use"`
	KeyOps    []string `json:"key_ops"` // nil when absent
	Algorithm string   `json:"alg"`
	KeyID     string   `json:"kid"`
	Curve     string   `json:"crv"`
	N         string   `json:"n"` // RSA modulus
	E         string   `json:"e"` // RSA public exponent
	X         string   `json:"x"` // EC x coordinate, or the Ed25519 public key
	Y         string   `json:"y"` // EC y coordinate
	D         string   `json:"d"` // the private part of an RSA, EC or OKP key
}

// parseJWK turns one JWK into a key we can verify with, or says why it is
// not one.
func parseJWK(raw json.RawMessage) (publicKey, error) {
	var jwk jsonWebKey
	if err := json.Unmarshal(raw, &jwk); err != nil {
		return publicKey{}, err
	}
	// RFC 7517 §4.2 and §4.3: a key meant for something other than
	// signatures is not for checking them.
	if jwk.Use != "" && jwk.Use != "sig" {
		return publicKey{}, fmt.Errorf("use is %s, not sig", quote(jwk.Use))
	}
	if jwk.KeyOps != nil && !slices.Contains(jwk.KeyOps, "verify") {
		return publicKey{}, errors.New("key_ops does not include verify")
	}
	// A private key published for all to see is no longer anyone's secret.
	if jwk.D != "" {
		return publicKey{}, errors.New("it has a private part (d), so it is compromised")
	}

	var key crypto.PublicKey
	var err error
	switch jwk.KeyType {
	case "RSA":
		key, err = parseRSAKey(jwk.N, jwk.E)
	case "EC":
		key, err = parseP256Key(jwk.Curve, jwk.X, jwk.Y)
	case "OKP":
		key, err = parseEd25519Key(jwk.Curve, jwk.X)
	default:
		err = fmt.Errorf("kty %s is not supported", quote(jwk.KeyType))
	}
	if err != nil {
		return publicKey{}, err
	}
	return publicKey{id: jwk.KeyID, algorithm: jwk.Algorithm, key: key}, nil
}

const (
	// RFC 7518 §3.3 and §3.5: RSA keys of 2048 bits or larger MUST be used.
	minRSAModulusBits = 2048
	// Larger moduli only make each verification slower.
	maxRSAModulusBits = 8192
	// FIPS 186-5 §A.1.1 wants an odd exponent above 2^16; providers use
	// 65537. Tiny exponents are what made signature forgeries possible
	// against careless PKCS #1 v1.5 verifiers.
	minRSAExponent = 1<<16 + 1
	// crypto/rsa takes no larger exponent.
	maxRSAExponent = 1<<31 - 1
)

// parseRSAKey builds an RSA public key from its JWK members (RFC 7518
// §6.3.1), base64url-encoded big-endian integers.
func parseRSAKey(n64, e64 string) (*rsa.PublicKey, error) {
	nBytes, err := decodeBase64URL(n64)
	if err != nil {
		return nil, fmt.Errorf("n: %w", err)
	}
	eBytes, err := decodeBase64URL(e64)
	if err != nil {
		return nil, fmt.Errorf("e: %w", err)
	}
	modulus := new(big.Int).SetBytes(nBytes)
	if bits := modulus.BitLen(); bits < minRSAModulusBits || bits > maxRSAModulusBits {
		return nil, fmt.Errorf("the modulus has %d bits; want %d to %d", bits, minRSAModulusBits, maxRSAModulusBits)
	}
	exponent := new(big.Int).SetBytes(eBytes)
	if !exponent.IsInt64() || exponent.Int64() < minRSAExponent || exponent.Int64() > maxRSAExponent || exponent.Bit(0) == 0 {
		return nil, fmt.Errorf("the exponent must be odd, from %d to %d", minRSAExponent, maxRSAExponent)
	}
	return &rsa.PublicKey{N: modulus, E: int(exponent.Int64())}, nil
}

// p256CoordinateSize is the length of each coordinate of a P-256 point.
// RFC 7518 §6.2.1.2 and §6.2.1.3 want them at full length, leading zeros
// included.
const p256CoordinateSize = 32

// parseP256Key builds a P-256 public key from its JWK members (RFC 7518
// §6.2.1).
func parseP256Key(curve, x64, y64 string) (*ecdsa.PublicKey, error) {
	if curve != "P-256" {
		return nil, fmt.Errorf("crv %s is not supported (P-256 only)", quote(curve))
	}
	x, err := decodeBase64URL(x64)
	if err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	y, err := decodeBase64URL(y64)
	if err != nil {
		return nil, fmt.Errorf("y: %w", err)
	}
	if len(x) != p256CoordinateSize || len(y) != p256CoordinateSize {
		return nil, fmt.Errorf("x and y must be %d bytes each", p256CoordinateSize)
	}
	// The uncompressed point encoding (SEC 1 §2.3.3) is 0x04, x, y. The
	// parser refuses a point that is not on the curve, so no signature
	// is ever checked against a key that is not a real P-256 key.
	point := append(append([]byte{4}, x...), y...)
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("the point (x, y): %w", err)
	}
	return key, nil
}

// parseEd25519Key builds an Ed25519 public key from its JWK members
// (RFC 8037 §2).
func parseEd25519Key(curve, x64 string) (ed25519.PublicKey, error) {
	// OKP keys may also be Ed448, X25519 or X448.
	if curve != "Ed25519" {
		return nil, fmt.Errorf("crv %s is not supported (Ed25519 only)", quote(curve))
	}
	x, err := decodeBase64URL(x64)
	if err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	if len(x) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("x must be %d bytes", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(x), nil
}
