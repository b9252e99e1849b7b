package oauthtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
)

// signingAlgs returns the algorithms ID tokens can be signed with, which
// is also the order of the keys in the JWKS.
func signingAlgs() []string {
	return []string{"RS256", "PS256", "ES256", "EdDSA"}
}

// A signingKey is a private key with the key ID and algorithm the JWKS
// publishes it under.
type signingKey struct {
	id      string
	alg     string
	private crypto.Signer
}

// generateKeys returns a new key for each algorithm, their key IDs
// numbered by generation: "rsa-1", "rsa-pss-1", "ec-1", "ed-1" and so on.
// RS256 and PS256 get an RSA key each, since a key is to serve one
// algorithm only (RFC 7517 §4.4).
func generateKeys(generation int) map[string]signingKey {
	return map[string]signingKey{
		"RS256": generateKey("RS256", fmt.Sprintf("rsa-%d", generation)),
		"PS256": generateKey("PS256", fmt.Sprintf("rsa-pss-%d", generation)),
		"ES256": generateKey("ES256", fmt.Sprintf("ec-%d", generation)),
		"EdDSA": generateKey("EdDSA", fmt.Sprintf("ed-%d", generation)),
	}
}

// generateKey returns a new key for alg, one of signingAlgs.
func generateKey(alg, id string) signingKey {
	var (
		private crypto.Signer
		err     error
	)
	switch alg {
	case "RS256", "PS256":
		// RFC 7518 §3.3 and §3.5: 2048 bits at least.
		private, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		private, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, private, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		// Only a failing system random source could cause this, and since
		// Go 1.24 that crashes the program first.
		panic("oauthtest: generating a key: " + err.Error())
	}
	return signingKey{id: id, alg: alg, private: private}
}

// jwk is a public key as a JSON Web Key (RFC 7517 §4), with the members
// of RFC 7518 §6.2.1 (EC), §6.3.1 (RSA) and RFC 8037 §2 (OKP).
type jwk struct {
	Type  string `json:"kty"`
	ID    string `json:"kid"`
	Use   string `json:"use"`
	Alg   string `json:"alg"`
	N     string `json:"n,omitempty"`
	E     string `json:"e,omitempty"`
	Curve string `json:"crv,omitempty"`
	X     string `json:"x,omitempty"`
	Y     string `json:"y,omitempty"`
}

// jwk returns the public half of k. Every number is big-endian and
// base64url-encoded without padding (RFC 7518 §2, Base64urlUInt).
func (k signingKey) jwk() jwk {
	key := jwk{ID: k.id, Use: "sig", Alg: k.alg}
	encode := base64.RawURLEncoding.EncodeToString
	switch public := k.private.Public().(type) {
	case *rsa.PublicKey:
		key.Type = "RSA"
		key.N = encode(public.N.Bytes())
		key.E = encode(big.NewInt(int64(public.E)).Bytes())
	case *ecdsa.PublicKey:
		// An uncompressed point is 0x04, then X and Y at the curve's full
		// width, which RFC 7518 §6.2.1.2 also requires of x and y. The
		// error is for keys not on a curve; this one was generated here.
		point, _ := public.Bytes()
		key.Type, key.Curve = "EC", "P-256"
		key.X, key.Y = encode(point[1:33]), encode(point[33:])
	case ed25519.PublicKey:
		key.Type, key.Curve = "OKP", "Ed25519"
		key.X = encode(public)
	}
	return key
}

// jwks serves GET /jwks: the public keys, as a JWK Set (RFC 7517 §5).
func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	p.jwksCalls.Add(1)
	p.mu.Lock()
	keys := make([]jwk, 0, len(p.keys))
	for _, alg := range signingAlgs() {
		keys = append(keys, p.keys[alg].jwk())
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string][]jwk{"keys": keys})
}

// RotateKeys replaces every signing key with a new one under a new key ID:
// "rsa-2" after "rsa-1", and so on. From then on the JWKS lists only the
// new keys, and ID tokens are signed with them, so that a client's
// refetching of the JWKS when it meets an unknown kid can be tested. It
// panics without [Config.OpenID].
func (p *Provider) RotateKeys() {
	if !p.cfg.OpenID {
		panic("oauthtest: RotateKeys needs Config.OpenID")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keyGeneration++
	p.keys = generateKeys(p.keyGeneration)
}

// currentKey returns the key that signs with alg now.
func (p *Provider) currentKey(alg string) signingKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[alg]
}
