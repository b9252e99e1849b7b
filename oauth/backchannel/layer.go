package backchannel

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oidc"
	"oauthlogin/session"
)

// A ReplayCache remembers the logout tokens already used. FirstUse
// records name as used until until, and reports whether this was its first
// use. With several instances it must be shared by all of them, or a
// token replayed to another instance would be taken again: the Redis
// store of session/redisstore is one.
type ReplayCache interface {
	FirstUse(ctx context.Context, name string, until time.Time) (first bool, err error)
}

// Options configure a [Layer]. Sessions is required.
type Options struct {
	// Sessions is the session store, which keeps the index.
	Sessions session.Index

	// Verify checks a logout token: openid.Provider.VerifyLogoutToken.
	// Without it, Receive refuses every request.
	Verify func(ctx context.Context, rawToken string) (*oidc.LogoutClaims, error)

	// Replay is the replay cache of logout tokens; nil keeps one in this
	// process, which is enough for one instance only.
	Replay ReplayCache

	// SignedOutPath is where Everywhere sends the browser; default
	// oauth.SignedOutPath.
	SignedOutPath string

	// Fail renders a failure of Everywhere; the Login's FailurePage fits.
	// Default: a plain-text page.
	Fail oauth.FailurePage

	Logger *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // the replay cache's clock; time.Now when nil
}

// Layer files sessions at login and ends them by person or by provider
// session. It is safe for concurrent use.
type Layer struct {
	sessions  session.Index
	verify    func(ctx context.Context, rawToken string) (*oidc.LogoutClaims, error)
	replay    ReplayCache
	signedOut string
	fail      oauth.FailurePage
	logger    *slog.Logger
}

// New returns a Layer for opts.
func New(opts Options) (*Layer, error) {
	if opts.Sessions == nil {
		return nil, errors.New("backchannel: Options.Sessions is nil")
	}
	l := &Layer{
		sessions:  opts.Sessions,
		verify:    opts.Verify,
		replay:    opts.Replay,
		signedOut: cmp.Or(opts.SignedOutPath, oauth.SignedOutPath),
		fail:      opts.Fail,
		logger:    cmp.Or(opts.Logger, slog.Default()),
	}
	if l.replay == nil {
		now := opts.Now
		if now == nil {
			now = time.Now
		}
		l.replay = newMemoryReplay(now)
	}
	if l.fail == nil {
		l.fail = func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { http.Error(w, f.Message, f.Status) }
	}
	return l, nil
}

// personTerm and providerSessionTerm are the index terms of a person and
// of a session at the provider. Quoting keeps the parts apart whatever
// they hold.
func personTerm(issuer, subject string) string {
	return "person " + strconv.Quote(issuer) + " " + strconv.Quote(subject)
}

func providerSessionTerm(issuer, sid string) string {
	return "provider session " + strconv.Quote(issuer) + " " + strconv.Quote(sid)
}

// OnLogin files the session under the person who logged in, and under
// the sid of the ID token when it has one (Back-Channel Logout 1.0 §2.1:
// a provider that says backchannel_logout_session_required puts sid in
// every ID token). Pass it as oauth.LoginOptions.OnLogin, or call it from
// the function that is.
func (l *Layer) OnLogin(v *session.Values, tok *oauth.Token, u oauth.User) error {
	terms := []string{personTerm(u.Issuer, u.Subject)}
	if sid := sessionID(tok.IDToken); sid != "" {
		terms = append(terms, providerSessionTerm(u.Issuer, sid))
	}
	if err := v.FileUnder(terms...); err != nil {
		return fmt.Errorf("file the session for logout everywhere: %w", err)
	}
	return nil
}

// sessionID reads the sid claim of an ID token without checking the
// signature again: OnLogin runs only after the openid layer's Identifier
// has verified this very token. "" when there is none.
func sessionID(idToken string) string {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	// A map, not a struct: encoding/json would match "SID" to a field
	// named sid, and claim names are case-sensitive (RFC 7519 §4).
	var claims map[string]json.RawMessage
	var sid string
	if json.Unmarshal(payload, &claims) != nil || json.Unmarshal(claims["sid"], &sid) != nil {
		return ""
	}
	return sid
}
