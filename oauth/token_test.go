package oauth

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestChecklist19_TokenResponseSuccessRules runs the token answers of
// oauth/SECURITY.md #19 and #20 through the parser: only a 2xx without an
// error member, with a non-empty string access_token and a Bearer
// token_type, is a token.
func TestChecklist19_TokenResponseSuccessRules(t *testing.T) {
	const jsonType = "application/json"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantToken   string
		wantCode    string // a ProviderError with this code
	}{
		{"400 invalid_grant", 400, jsonType, `{"error":"invalid_grant"}`, "", "invalid_grant"},
		{"401 invalid_client", 401, jsonType, `{"error":"invalid_client"}`, "", "invalid_client"},
		{"200 with error, as GitHub", 200, jsonType,
			`{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}`, "", "bad_verification_code"},
		{"200 empty object", 200, jsonType, `{}`, "", ""},
		{"200 empty access_token", 200, jsonType, `{"access_token":"","token_type":"Bearer"}`, "", ""},
		{"200 mac token type", 200, jsonType, `{"access_token":"t","token_type":"mac"}`, "", ""},
		{"200 no token type", 200, jsonType, `{"access_token":"t"}`, "", ""},
		{"200 numeric access_token", 200, jsonType, `{"access_token":123,"token_type":"Bearer"}`, "", ""},
		{"200 error and access_token", 200, jsonType, `{"access_token":"t","token_type":"Bearer","error":"x"}`, "", "x"},
		{"500 HTML", 500, "text/html", `<html>oops</html>`, "", ""},
		{"200 HTML", 200, "text/html; charset=utf-8", `<html>hi</html>`, "", ""},
		{"200 truncated JSON", 200, jsonType, `{"access_token":"t"`, "", ""},
		{"200 not UTF-8", 200, jsonType, "\xff\xfe", "", ""},
		{"200 empty body", 200, jsonType, ``, "", ""},
		{"200 JSON array", 200, jsonType, `[]`, "", ""},
		{"200 bad content type", 200, "application/json; =x", `{"access_token":"t","token_type":"Bearer"}`, "", ""},
		{"201 is 2xx", 201, jsonType, `{"access_token":"t","token_type":"Bearer"}`, "t", ""},
		{"200 bearer in lower case, unknown members ignored", 200, jsonType + "; charset=utf-8",
			`{"access_token":"t","token_type":"bearer","scope":"read:user","x":1}`, "t", ""},
		{"200 form-encoded, as GitHub without Accept", 200, "application/x-www-form-urlencoded; charset=utf-8",
			`access_token=t&scope=read%3Auser&token_type=bearer`, "t", ""},
		{"200 form-encoded error", 200, "application/x-www-form-urlencoded",
			`error=bad_verification_code&error_description=expired`, "", "bad_verification_code"},
		{"200 form-encoded without token", 200, "application/x-www-form-urlencoded", `scope=x`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := parseTokenResponse(tt.status, tt.contentType, []byte(tt.body))
			if tt.wantToken != "" {
				if err != nil {
					t.Fatalf("got error %v, want token %q", err, tt.wantToken)
				}
				if tok.AccessToken != tt.wantToken {
					t.Fatalf("access token %q, want %q", tok.AccessToken, tt.wantToken)
				}
				return
			}
			if err == nil {
				t.Fatalf("got token %+v, want an error", tok)
			}
			var perr *ProviderError
			if tt.wantCode != "" {
				if !errors.As(err, &perr) || perr.Code != tt.wantCode {
					t.Fatalf("error %v, want a ProviderError with code %q", err, tt.wantCode)
				}
				return
			}
			if !errors.Is(err, ErrUnexpectedResponse) {
				t.Fatalf("error %v does not wrap ErrUnexpectedResponse", err)
			}
		})
	}
}

// FuzzParseTokenResponse checks oauth/SECURITY.md #20: no body, however
// malformed, panics the parser or passes as a token unless every rule of
// #19 holds.
func FuzzParseTokenResponse(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"access_token":"t","token_type":"Bearer"}`))
	f.Add(200, "application/json", []byte(`{"access_token":"t","token_type":"bearer","error":null}`))
	f.Add(200, "application/json", []byte(`{"error":"bad_verification_code"}`))
	f.Add(400, "application/json", []byte(`{"error":"invalid_grant","error_description":"x"}`))
	f.Add(200, "application/x-www-form-urlencoded", []byte(`access_token=t&token_type=bearer`))
	f.Add(200, "text/plain", []byte(`access_token=t&token_type=bearer&error=x`))
	f.Add(500, "text/html", []byte(`<html>`))
	f.Add(200, "application/json", []byte("\xff\xfe"))
	f.Add(200, "application/json", []byte(`{"access_token":"t"`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		tok, err := parseTokenResponse(status, contentType, body)
		if err != nil {
			if tok != nil {
				t.Fatal("an error came with a token")
			}
			return
		}
		if status < 200 || status > 299 {
			t.Fatalf("HTTP %d accepted", status)
		}
		if tok.AccessToken == "" {
			t.Fatal("empty access token accepted")
		}
		if !strings.EqualFold(tok.TokenType, "Bearer") {
			t.Fatalf("token type %q accepted", tok.TokenType)
		}
	})
}

// TestIssue22_TokenResponseKeepsRefreshTokenAndLifetime: the refresh token
// and expires_in of a token response are read, in JSON and in a form; an
// expires_in that is not a whole number of seconds is unknown (0), and
// never fails a login.
func TestIssue22_TokenResponseKeepsRefreshTokenAndLifetime(t *testing.T) {
	for _, tt := range []struct {
		contentType, body string
		refresh           string
		expiresIn         int64
	}{
		{"application/json", `{"access_token":"a","token_type":"bearer","refresh_token":"r","expires_in":3600}`, "r", 3600},
		{"application/json", `{"access_token":"a","token_type":"bearer","expires_in":"7200"}`, "", 7200},
		{"application/json", `{"access_token":"a","token_type":"bearer","expires_in":"soon"}`, "", 0},
		{"application/json", `{"access_token":"a","token_type":"bearer","expires_in":-5}`, "", 0},
		{"application/json", `{"access_token":"a","token_type":"bearer","expires_in":1.5}`, "", 0},
		{"application/x-www-form-urlencoded", "access_token=a&token_type=bearer&refresh_token=r2&expires_in=60", "r2", 60},
	} {
		tok, err := parseTokenResponse(http.StatusOK, tt.contentType, []byte(tt.body))
		if err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		if tok.RefreshToken != tt.refresh || tok.ExpiresIn != tt.expiresIn {
			t.Errorf("%s: refresh %q, expires in %d; want %q, %d", tt.body, tok.RefreshToken, tok.ExpiresIn, tt.refresh, tt.expiresIn)
		}
	}
}
