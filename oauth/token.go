package oauth

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
)

// Token is the part of a token response (RFC 6749 §5.1) this application
// uses.
type Token struct {
	AccessToken  string
	TokenType    string
	Scope        string // the granted scope, when the provider says
	IDToken      string // the OpenID Connect ID token, unverified, when there is one
	RefreshToken string // for a refresh (§6), when the provider issued one (§1.5)
	ExpiresIn    int64  // the access token's lifetime in seconds; 0 when not said
}

// tokenResponse is the JSON shape of a token endpoint's answer, success or
// error. Unknown members are ignored, as RFC 6749 §5.1 requires. A member
// of the wrong JSON type (a number for access_token) fails decoding.
type tokenResponse struct {
	AccessToken      string          `json:"access_token"`
	TokenType        string          `json:"token_type"`
	Scope            string          `json:"scope"`
	IDToken          string          `json:"id_token"`
	RefreshToken     string          `json:"refresh_token"`
	ExpiresIn        json.RawMessage `json:"expires_in"` // read by [lifetime]
	Error            *string         `json:"error"`
	ErrorDescription string          `json:"error_description"`
}

// parseTokenResponse reads a token endpoint's answer. It succeeds only when
// all of these hold (RFC 6749 §5.1, §5.2, §7.1):
//
//   - the status is 2xx;
//   - the body has no error member, whatever the status: GitHub, for one,
//     answers a bad code with 200 and an error;
//   - access_token is a non-empty string;
//   - token_type is Bearer, in any case: a client must not use a token
//     whose type it does not understand.
//
// The body is JSON, or form-encoded as GitHub sends when not asked for JSON;
// any other content type is refused, since a body read as the wrong
// format could yield a token the provider never issued.
func parseTokenResponse(status int, contentType string, body []byte) (*Token, error) {
	resp, err := decodeTokenResponse(contentType, body)
	switch {
	case err == nil && resp.Error != nil:
		return nil, &ProviderError{HTTPStatus: status, Code: *resp.Error, Description: resp.ErrorDescription}
	case status < 200 || status > 299:
		return nil, fmt.Errorf("%w: token endpoint answered HTTP %d", ErrUnexpectedResponse, status)
	case err != nil:
		return nil, err
	case resp.AccessToken == "":
		return nil, fmt.Errorf("%w: no access_token in the token response", ErrUnexpectedResponse)
	case !strings.EqualFold(resp.TokenType, "Bearer"):
		return nil, fmt.Errorf("%w: token_type %q is not Bearer", ErrUnexpectedResponse, clip(resp.TokenType))
	}
	return &Token{AccessToken: resp.AccessToken, TokenType: resp.TokenType, Scope: resp.Scope, IDToken: resp.IDToken,
		RefreshToken: resp.RefreshToken, ExpiresIn: lifetime(resp.ExpiresIn)}, nil
}

func decodeTokenResponse(contentType string, body []byte) (*tokenResponse, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("%w: token response content type %q", ErrUnexpectedResponse, clip(contentType))
	}
	var resp tokenResponse
	switch mediaType {
	case "application/json":
		if err := json.Unmarshal(body, &resp); err != nil {
			return nil, fmt.Errorf("%w: token response is not valid JSON: %v", ErrUnexpectedResponse, err)
		}
	case "application/x-www-form-urlencoded", "text/plain":
		// text/plain: what older GitHub deployments called their form body.
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("%w: token response is not valid form data", ErrUnexpectedResponse)
		}
		resp = tokenResponse{AccessToken: form.Get("access_token"), TokenType: form.Get("token_type"),
			Scope: form.Get("scope"), RefreshToken: form.Get("refresh_token"),
			ExpiresIn: json.RawMessage(form.Get("expires_in")), ErrorDescription: form.Get("error_description")}
		if form.Has("error") {
			resp.Error = &form["error"][0]
		}
	default:
		return nil, fmt.Errorf("%w: token response content type %q", ErrUnexpectedResponse, clip(mediaType))
	}
	return &resp, nil
}

// lifetime reads expires_in: a number of seconds (RFC 6749 §5.1), or a
// string holding one, as some providers send it. Anything else, which
// must not fail a login that needs no lifetime, is 0: unknown.
func lifetime(raw json.RawMessage) int64 {
	n, err := strconv.ParseInt(strings.Trim(string(raw), `"`), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
