package oauth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// User is who logged in, as the application keeps it in the session.
type User struct {
	// Issuer and Subject identify the account: Subject is the provider's
	// stable identifier, which, unlike a user name or an e-mail address,
	// never changes or passes to someone else, and Issuer says which
	// provider's identifier it is (OpenID Connect Core §5.7: only iss
	// and sub together identify a user).
	Issuer   string `json:"iss,omitempty"`
	Subject  string `json:"sub"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Email    string `json:"email"`
}

// UserFields are dotted paths into the profile JSON, such as
// data.attributes.login, for providers whose profile is shaped unlike
// GitHub's or OpenID Connect's. An empty one means the built-in choice.
type UserFields struct {
	ID       string // default: id, else sub
	Username string // default: login, else preferred_username
	Name     string // default: name
	Email    string // default: email
}

// maxProfileField bounds each profile value kept in the session and shown
// on pages.
const maxProfileField = 256

// FetchUser fetches the profile of the token's owner from the user
// endpoint, with [Client.Get].
//
// A profile without a user name (Google's, for one) shows the e-mail
// address in its place, or at worst the id, rather than nothing.
func (c *Client) FetchUser(ctx context.Context, tok *Token) (User, error) {
	u, err := c.FetchProfile(ctx, tok)
	if err != nil {
		return User{}, err
	}
	if u.Email == "" && c.cfg.EmailsURL != "" {
		u.Email, err = c.primaryEmail(ctx, tok)
	}
	u.Username = cmp.Or(u.Username, u.Email, u.Subject)
	// The bounds hold for every source of a field, the e-mail list too: a
	// record too large to load again would start a new login on every
	// page view.
	if err == nil {
		err = u.check()
	}
	if err != nil {
		return User{}, fmt.Errorf("fetch user: %w", err)
	}
	return u, nil
}

// FetchProfile asks the user endpoint and returns its fields as the
// provider gave them, with nothing filled in: [Client.FetchUser] without
// the e-mail list and the stand-ins for a missing user name. An
// [Identifier] that only completes what it knows uses it.
func (c *Client) FetchProfile(ctx context.Context, tok *Token) (User, error) {
	status, contentType, body, err := c.Get(ctx, tok, c.cfg.UserURL)
	if err != nil {
		return User{}, fmt.Errorf("fetch user: %w", err)
	}
	if status != http.StatusOK {
		return User{}, fmt.Errorf("fetch user: %w: HTTP %d", ErrUnexpectedResponse, status)
	}
	if mediaType, _, _ := mime.ParseMediaType(contentType); mediaType != "application/json" {
		return User{}, fmt.Errorf("fetch user: %w: content type %q", ErrUnexpectedResponse, clip(contentType))
	}
	u, err := parseUser(body, c.cfg.UserFields)
	if err != nil {
		return User{}, fmt.Errorf("fetch user: %w", err)
	}
	return u, nil
}

// Get asks the provider's API at url with tok, and returns the answer
// whatever its status, with [Client.PostForm]'s rules. The token travels
// only in the Authorization header, never in the URL, where logs and
// Referer headers would keep it (RFC 6750 §2.1; RFC 9700 §4.3.2). A layer
// that needs more than the profile (an Admit's group list, say) calls it;
// such calls come on top of [Client.MaxCallbackTime].
func (c *Client) Get(ctx context.Context, tok *Token, url string) (status int, contentType string, body []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return c.do(req)
}

// parseUser maps a profile to a User. Without fields set it reads
// GitHub's names first (id, login, name, email) and falls back to OpenID
// Connect's (sub, preferred_username), so most providers work unchanged.
// The id must be there: without it there is no stable way to know who
// this is. Only name fields fill Username: with OpenID Connect the
// profile's e-mail address is unverified, and must never pass for a name.
func parseUser(body []byte, fields UserFields) (User, error) {
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
		Subject:  firstField(profile, fields.ID, "id", "sub"),
		Username: firstField(profile, fields.Username, "login", "preferred_username"),
		Name:     firstField(profile, fields.Name, "name"),
		Email:    firstField(profile, fields.Email, "email"),
	}
	if u.Subject == "" {
		return User{}, fmt.Errorf("%w: profile has no id or sub", ErrUnexpectedResponse)
	}
	if err := u.check(); err != nil {
		return User{}, err
	}
	return u, nil
}

// check bounds what a provider can make the session keep and the pages
// show.
func (u User) check() error {
	for _, field := range []string{u.Subject, u.Username, u.Name, u.Email} {
		if len(field) > maxProfileField || !utf8.ValidString(field) {
			return fmt.Errorf("%w: profile field too long or not UTF-8", ErrUnexpectedResponse)
		}
	}
	return nil
}

// firstField returns the value at path, when path is set; otherwise the
// first of the defaults that profile has. A value counts when it is a
// non-empty string or a whole number (GitHub's id is a number).
func firstField(profile map[string]any, path string, defaults ...string) string {
	if path != "" {
		return fieldValue(lookup(profile, path))
	}
	for _, k := range defaults {
		if v := fieldValue(profile[k]); v != "" {
			return v
		}
	}
	return ""
}

// lookup follows a dotted path such as data.attributes.login through
// nested JSON objects.
func lookup(profile map[string]any, path string) any {
	var v any = profile
	for _, name := range strings.Split(path, ".") {
		object, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = object[name]
	}
	return v
}

func fieldValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return string(v)
		}
	}
	return ""
}
