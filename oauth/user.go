package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// User is who logged in, as the application keeps it in the session.
type User struct {
	// Subject is the provider's stable identifier for the account. Unlike a
	// user name or an e-mail address it never changes or passes to someone
	// else, so it is what identifies the user (SECURITY-CHECKLIST #29).
	Subject  string `json:"sub"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Email    string `json:"email"`
}

// maxProfileField bounds each profile value kept in the session and shown
// on pages.
const maxProfileField = 256

// FetchUser fetches the profile of the token's owner from the user
// endpoint. The token travels only in the Authorization header, never in
// the URL, where logs and Referer headers would keep it (RFC 6750 §2.1;
// RFC 9700 §4.3.2).
func (c *Client) FetchUser(ctx context.Context, tok *Token) (User, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.UserURL, nil)
	if err != nil {
		return User{}, fmt.Errorf("fetch user: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")

	status, contentType, body, err := c.do(req)
	if err != nil {
		return User{}, fmt.Errorf("fetch user: %w", err)
	}
	if status != http.StatusOK {
		return User{}, fmt.Errorf("fetch user: %w: HTTP %d", ErrUnexpectedResponse, status)
	}
	if mediaType, _, _ := mime.ParseMediaType(contentType); mediaType != "application/json" {
		return User{}, fmt.Errorf("fetch user: %w: content type %q", ErrUnexpectedResponse, clip(contentType))
	}
	u, err := parseUser(body)
	if err != nil {
		return User{}, fmt.Errorf("fetch user: %w", err)
	}
	return u, nil
}

// parseUser maps a profile to a User. It reads GitHub's field names first
// (id, login, name, email) and falls back to OpenID Connect's (sub,
// preferred_username), so most providers work unchanged. The id must be
// there: without it there is no stable way to know who this is.
func parseUser(body []byte) (User, error) {
	// UseNumber keeps a numeric id exact: as a float64, ids past 2^53
	// would be rounded, and two accounts could share one.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var profile map[string]any
	if err := dec.Decode(&profile); err != nil || profile == nil {
		return User{}, fmt.Errorf("%w: profile is not a JSON object", ErrUnexpectedResponse)
	}
	// The body must be that one object: a Decoder stops after the first
	// value, and would otherwise take `{"id":1} {"id":2}` for a profile.
	if _, err := dec.Token(); err != io.EOF {
		return User{}, fmt.Errorf("%w: profile has data after the JSON object", ErrUnexpectedResponse)
	}
	u := User{
		Subject:  firstField(profile, "id", "sub"),
		Username: firstField(profile, "login", "preferred_username"),
		Name:     firstField(profile, "name"),
		Email:    firstField(profile, "email"),
	}
	if u.Subject == "" {
		return User{}, fmt.Errorf("%w: profile has no id or sub", ErrUnexpectedResponse)
	}
	// Google's profile, for one, has no user name: show the e-mail
	// address, or at worst the id, rather than nothing.
	if u.Username == "" {
		u.Username = u.Email
	}
	if u.Username == "" {
		u.Username = u.Subject
	}
	for _, field := range []string{u.Subject, u.Username, u.Name, u.Email} {
		if len(field) > maxProfileField || !utf8.ValidString(field) {
			return User{}, fmt.Errorf("%w: profile field too long or not UTF-8", ErrUnexpectedResponse)
		}
	}
	return u, nil
}

// firstField returns the first of keys that profile has as a non-empty
// string or a whole number (GitHub's id is a number).
func firstField(profile map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := profile[k].(type) {
		case string:
			if v != "" {
				return v
			}
		case json.Number:
			if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				return string(v)
			}
		}
	}
	return ""
}
