package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
)

// The signature algorithms we verify. Each is made for one kind of key.
const (
	algRS256 = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, RSA keys (RFC 7518 §3.3)
	algPS256 = "PS256" // RSASSA-PSS with SHA-256, RSA keys (RFC 7518 §3.5)
	algES256 = "ES256" // ECDSA with SHA-256, P-256 keys (RFC 7518 §3.4)
	algEdDSA = "EdDSA" // Ed25519 keys (RFC 8037 §3.1)
)

// isSupportedAlgorithm reports whether alg is one we verify. Names are
// case-sensitive (RFC 7515 §4.1.1). Everything else is refused, and two
// refusals matter most:
//
//   - "none" (RFC 7518 §3.6): an unsigned token proves nothing.
//   - HS256, HS384 and HS512, HMAC with a shared secret. A verifier that
//     took the algorithm from the header and the key from the JWKS would
//     check an HMAC keyed with the provider's public RSA key, which anyone
//     can compute: the classic algorithm-confusion attack. Not accepting
//     HMAC at all closes it.
func isSupportedAlgorithm(alg string) bool {
	switch alg {
	case algRS256, algPS256, algES256, algEdDSA:
		return true
	}
	return false
}

// allows reports whether a token signed with alg may be verified with k.
// The key decides, never the unverified header alone: alg must be one
// that k's type is made for and, when the JWK declares an alg (RFC 7517
// §4.4), that one.
func (k publicKey) allows(alg string) bool {
	if k.algorithm != "" && k.algorithm != alg {
		return false
	}
	switch k.key.(type) {
	case *rsa.PublicKey:
		return alg == algRS256 || alg == algPS256
	case *ecdsa.PublicKey: // parseJWK accepts P-256 keys only
		return alg == algES256
	case ed25519.PublicKey:
		return alg == algEdDSA
	}
	return false
}

// verify checks signature over signingInput with k, for an alg that
// k.allows.
func (k publicKey) verify(alg string, signingInput, signature []byte) error {
	digest := sha256.Sum256(signingInput)
	switch pub := k.key.(type) {
	case *rsa.PublicKey:
		if alg == algPS256 {
			// RFC 7518 §3.5: the salt is as long as the hash. Only that
			// length is accepted, not whatever length the signature
			// happens to use (PSSSaltLengthAuto).
			return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], signature,
				&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], signature)
	case *ecdsa.PublicKey:
		return verifyES256(pub, digest[:], signature)
	case ed25519.PublicKey:
		if !ed25519.Verify(pub, signingInput, signature) {
			return errors.New("ed25519: invalid signature")
		}
		return nil
	}
	return fmt.Errorf("no verifier for a %T", k.key)
}

// es256SignatureSize is the length of an ES256 signature: R and S, each a
// 32-byte big-endian integer, one after the other (RFC 7518 §3.4).
const es256SignatureSize = 64

// verifyES256 checks an ES256 signature. The ASN.1 DER encoding that
// ECDSA signatures have elsewhere is not a JWS signature, and its length
// gives it away.
func verifyES256(pub *ecdsa.PublicKey, digest, signature []byte) error {
	if len(signature) != es256SignatureSize {
		return fmt.Errorf("ecdsa: an ES256 signature is %d bytes (R||S), not %d", es256SignatureSize, len(signature))
	}
	r := new(big.Int).SetBytes(signature[:32])
	s := new(big.Int).SetBytes(signature[32:])
	if !ecdsa.Verify(pub, digest, r, s) {
		return errors.New("ecdsa: invalid signature")
	}
	return nil
}
