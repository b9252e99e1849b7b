package oauthtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"
)

// idTokenLifetime is how long an ID token is good for. It says who signed
// in, and the client checks it once, at sign-in; an hour is generous.
const idTokenLifetime = time.Hour

// jwsHeader is the protected header of a signed token (RFC 7515 §4.1).
type jwsHeader struct {
	Alg   string `json:"alg"`
	KeyID string `json:"kid,omitempty"`
	Type  string `json:"typ"`
}

// idTokenClaims are the claims of an ID token (OpenID Connect Core §2),
// with the standard claims of §5.1 that the scopes profile and email ask
// for. Times are NumericDates: seconds since the Unix epoch.
type idTokenClaims struct {
	Issuer            string   `json:"iss"`
	Subject           string   `json:"sub"`
	Audience          string   `json:"aud"` // one audience may be a plain string (§2)
	Expires           int64    `json:"exp"`
	IssuedAt          int64    `json:"iat"`
	AuthTime          int64    `json:"auth_time"`
	Nonce             string   `json:"nonce,omitempty"`
	PreferredUsername string   `json:"preferred_username"`
	Name              string   `json:"name"`
	Email             string   `json:"email"`
	EmailVerified     bool     `json:"email_verified"`
	Groups            []string `json:"groups,omitempty"` // for the scope groups, as Dex and others release them
	SessionID         string   `json:"sid"`              // the provider session, for back-channel logout (backchannel.go)
}

// idToken issues an ID token for g, wrong as fault says, and remembers it
// for the logout endpoint.
func (p *Provider) idToken(g grant, fault IDTokenFault) string {
	now := p.now()
	claims := idTokenClaims{
		Issuer:            p.cfg.Issuer,
		Subject:           subject(g.user),
		Audience:          g.clientID,
		Expires:           now.Add(idTokenLifetime).Unix(),
		IssuedAt:          now.Unix(),
		AuthTime:          g.authTime.Unix(),
		Nonce:             g.nonce,
		PreferredUsername: g.user,
		Name:              displayName(g.user),
		Email:             g.email,
		// Nobody can read mail at example.test, but the addresses are
		// verified in the sense that matters here: this provider made them.
		// A tester may say otherwise on the sign-in page.
		EmailVerified: !g.unverified,
		Groups:        groupsClaim(g.account, g.scope),
		SessionID:     p.sessions.start(subject(g.user)),
	}
	key := p.currentKey(p.cfg.IDTokenAlg)
	switch fault {
	case IDTokenWrongIssuer:
		claims.Issuer += "/other"
	case IDTokenWrongAudience:
		claims.Audience = "someone-else"
	case IDTokenExpired:
		claims.Expires = now.Add(-time.Hour).Unix()
		claims.IssuedAt = now.Add(-2 * time.Hour).Unix()
		claims.AuthTime = claims.IssuedAt
	case IDTokenNonceMismatch:
		claims.Nonce = "not-" + g.nonce
	case IDTokenOtherSubject:
		claims.Subject = subject("not-" + g.user)
	case IDTokenUnknownKid:
		key = generateKey(p.cfg.IDTokenAlg, "unknown-1")
	}

	var token string
	switch fault {
	case IDTokenAlgNone:
		token = encodeSegment(jwsHeader{Alg: "none", Type: "JWT"}) + "." + encodeSegment(claims) + "."
	case IDTokenBadSignature:
		token = signJWT(key, claims, true)
	default:
		token = signJWT(key, claims, false)
	}
	p.grants.rememberIDToken(token, now)
	return token
}

// signJWT returns claims as a JWT signed with key, in JWS compact
// serialization (RFC 7515 §7.1). With corrupt set, one bit of the
// signature is flipped.
func signJWT(key signingKey, claims any, corrupt bool) string {
	// RFC 7515 §5.1: what is signed is the encoded header and payload,
	// joined by a dot.
	signingInput := encodeSegment(jwsHeader{Alg: key.alg, KeyID: key.id, Type: "JWT"}) + "." + encodeSegment(claims)
	signature := key.sign([]byte(signingInput))
	if corrupt {
		signature[0] ^= 1
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(signature)
}

// encodeSegment returns v as JSON, base64url-encoded without padding.
func encodeSegment(v any) string {
	// Only this package's own structs get here, which cannot fail to encode.
	data, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(data)
}

// sign returns k's signature of signingInput by k's algorithm (RFC 7518
// §3.1, RFC 8037 §3.1).
func (k signingKey) sign(signingInput []byte) []byte {
	digest := sha256.Sum256(signingInput)
	var (
		signature []byte
		err       error
	)
	switch k.alg {
	case "RS256": // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 with SHA-256
		signature, err = rsa.SignPKCS1v15(nil, k.private.(*rsa.PrivateKey), crypto.SHA256, digest[:])
	case "PS256": // RFC 7518 §3.5: RSASSA-PSS with SHA-256, and a salt as long as the hash
		signature, err = rsa.SignPSS(rand.Reader, k.private.(*rsa.PrivateKey), crypto.SHA256, digest[:],
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES256":
		signature, err = signES256(k.private.(*ecdsa.PrivateKey), digest[:])
	case "EdDSA": // RFC 8037 §3.1: Ed25519 signs the input itself, hashing inside
		signature = ed25519.Sign(k.private.(ed25519.PrivateKey), signingInput)
	}
	if err != nil {
		// The keys are this package's own and valid, so this cannot happen.
		panic("oauthtest: signing with " + k.alg + ": " + err.Error())
	}
	return signature
}

// signES256 signs digest with key. RFC 7518 §3.4 wants the signature as R
// and S, each a 32-byte big-endian number, side by side: not the ASN.1
// structure that ecdsa.SignASN1 returns, which a JOSE client must refuse.
func signES256(key *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, key, digest)
	if err != nil {
		return nil, err
	}
	signature := make([]byte, 64)
	r.FillBytes(signature[:32]) // fixed width: a short R is padded with zeros
	s.FillBytes(signature[32:])
	return signature, nil
}
