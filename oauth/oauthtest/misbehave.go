package oauthtest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// Misbehaviour makes the provider's endpoints fail on purpose, so that tests
// can check how an app copes with a provider that is down, wrong or hostile.
// The zero value behaves correctly.
type Misbehaviour struct {
	Token    TokenFault   // what POST /token does instead of the right answer
	User     UserFault    // what GET /user does instead of the right answer
	Emails   UserFault    // what GET /user/emails does instead of the right answer
	Userinfo UserFault    // what /userinfo does instead of the right answer
	IDToken  IDTokenFault // what is wrong with the ID tokens POST /token issues

	// RevokeFails makes POST /revoke answer 503 and revoke nothing.
	RevokeFails bool

	// UserinfoSubMismatch makes /userinfo answer with a sub other than the
	// ID token's, which a client must refuse (OpenID Connect Core §5.3.2):
	// it would otherwise take one user's claims for another's.
	UserinfoSubMismatch bool
}

// A TokenFault is a way for POST /token to fail.
type TokenFault int

const (
	// TokenOK answers correctly.
	TokenOK TokenFault = iota
	// TokenErrorResponse answers 400 with an invalid_grant error (RFC 6749 §5.2).
	TokenErrorResponse
	// TokenErrorWith200 answers 200 with an error object, as GitHub does.
	TokenErrorWith200
	// TokenGarbage answers 200, claiming application/json, with a body that
	// is not JSON.
	TokenGarbage
	// TokenOversized answers 200 with a JSON body of more than 8 MiB, larger
	// than any client should accept. It stops early if the client goes away.
	TokenOversized
	// TokenHang never answers: it waits until the request's context is done,
	// when the client times out or disconnects, or until Server.Close.
	TokenHang
	// TokenServerError answers 500 with an HTML page.
	TokenServerError
	// TokenNoAccessToken answers 200 with a token response that has no
	// access_token.
	TokenNoAccessToken
	// TokenFormEncoded does the exchange correctly but answers success in
	// application/x-www-form-urlencoded, as GitHub does when the request's
	// Accept header does not ask for JSON. Errors are still JSON.
	TokenFormEncoded
)

// A UserFault is a way for GET /user to fail.
type UserFault int

const (
	// UserOK answers correctly.
	UserOK UserFault = iota
	// UserUnauthorized answers 401 with an invalid_token challenge, as for a
	// revoked token (RFC 6750 §3.1).
	UserUnauthorized
	// UserServerError answers 500.
	UserServerError
	// UserGarbage answers 200, claiming application/json, with a body that
	// is not JSON.
	UserGarbage
)

// An IDTokenFault is a way for an ID token to be wrong, each one a check
// that OpenID Connect Core §3.1.3.3 and §3.1.3.7 require of the client.
type IDTokenFault int

const (
	// IDTokenOK issues correct ID tokens.
	IDTokenOK IDTokenFault = iota
	// IDTokenWrongIssuer sets iss to the Issuer with "/other" appended.
	IDTokenWrongIssuer
	// IDTokenWrongAudience sets aud to "someone-else".
	IDTokenWrongAudience
	// IDTokenExpired issues a token that expired an hour ago, issued two
	// hours ago.
	IDTokenExpired
	// IDTokenBadSignature flips a bit of an otherwise valid token's
	// signature.
	IDTokenBadSignature
	// IDTokenAlgNone issues an unsecured token: alg "none" in the header
	// and an empty signature (RFC 7519 §6), which a client must never
	// accept.
	IDTokenAlgNone
	// IDTokenUnknownKid signs with a key that is not in the JWKS, under the
	// kid "unknown-1".
	IDTokenUnknownKid
	// IDTokenNonceMismatch sets a nonce other than the authorization
	// request's, as in a replayed token. It sets one even when the request
	// had none.
	IDTokenNonceMismatch
	// IDTokenMissing leaves the ID token out of the token response.
	IDTokenMissing
	// IDTokenOtherSubject sets sub to another user's. Set after a login,
	// it makes the ID token of the next refresh name someone else, which
	// a client must refuse (OpenID Connect Core §12.2).
	IDTokenOtherSubject
)

// oversizedBodyBytes is the size of the TokenOversized body: far past what
// any client should read from a token endpoint.
const oversizedBodyBytes = 8 << 20

// Misbehave makes the endpoints fail as m says, from the next request on.
// It may be called while the provider is serving. It panics if m holds a
// fault that does not exist.
func (p *Provider) Misbehave(m Misbehaviour) {
	if m.Token < TokenOK || m.Token > TokenFormEncoded {
		panic(fmt.Sprintf("oauthtest: unknown TokenFault %d", m.Token))
	}
	for _, fault := range []UserFault{m.User, m.Emails, m.Userinfo} {
		if fault < UserOK || fault > UserGarbage {
			panic(fmt.Sprintf("oauthtest: unknown UserFault %d", fault))
		}
	}
	if m.IDToken < IDTokenOK || m.IDToken > IDTokenOtherSubject {
		panic(fmt.Sprintf("oauthtest: unknown IDTokenFault %d", m.IDToken))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.misbehaviour = m
}

func (p *Provider) currentMisbehaviour() Misbehaviour {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.misbehaviour
}

// answerTokenFault answers r as fault says and reports whether it did. It
// leaves TokenOK and TokenFormEncoded, which need a real exchange, to the
// token endpoint.
func answerTokenFault(w http.ResponseWriter, r *http.Request, fault TokenFault) bool {
	switch fault {
	case TokenErrorResponse:
		writeTokenError(w, invalidGrant("this provider was told to refuse every code"))
	case TokenErrorWith200:
		writeJSON(w, http.StatusOK, map[string]string{
			"error":             "bad_verification_code",
			"error_description": "the code is wrong or expired (an error sent with status 200, as GitHub does)",
		})
	case TokenGarbage:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "this is not JSON")
	case TokenOversized:
		writeOversizedToken(w, r)
	case TokenHang:
		<-r.Context().Done()
	case TokenServerError:
		writeServerError(w)
	case TokenNoAccessToken:
		writeJSON(w, http.StatusOK, map[string]string{"token_type": "Bearer"})
	default:
		return false
	}
	return true
}

// writeOversizedToken streams a token response whose access_token alone is
// oversizedBodyBytes long, stopping as soon as the client stops reading.
func writeOversizedToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"token_type":"Bearer","access_token":"`)
	chunk := bytes.Repeat([]byte("A"), 32<<10)
	for sent := 0; sent < oversizedBodyBytes; sent += len(chunk) {
		if r.Context().Err() != nil {
			return
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
	io.WriteString(w, `"}`)
}

// answerUserFault answers as fault says and reports whether it did. It
// serves GET /user, GET /user/emails and /userinfo alike.
func answerUserFault(w http.ResponseWriter, fault UserFault) bool {
	switch fault {
	case UserUnauthorized:
		writeUserError(w, invalidToken("this provider was told to refuse every token"))
	case UserServerError:
		writeServerError(w)
	case UserGarbage:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "this is not JSON")
	default:
		return false
	}
	return true
}

func writeServerError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, "<!doctype html>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>This provider was told to fail.</p>\n")
}
