package tokens

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

// Options configure a [Keeper]. Keys is required.
type Options struct {
	// Keys seal the tokens: the first seals, and every one opens, so that
	// a secret can be rotated without losing the tokens kept under the
	// old one (this app passes SECRET, then each of SECRET_PREVIOUS).
	Keys [][]byte

	// RevocationURL is the provider's revocation endpoint (RFC 7009),
	// where logout revokes the kept tokens; "" revokes nothing.
	RevocationURL string

	// Margin is how long before its expiry an access token is refreshed,
	// and at most a quarter of its lifetime. Default one minute.
	Margin time.Duration

	// CheckIDToken, when set, checks the ID token a refresh returns, for
	// the login of u; an error ends the session. Package oauth/openid has
	// one (OpenID Connect Core §12.2).
	CheckIDToken func(ctx context.Context, rawIDToken string, u oauth.User) error

	// OnRefresh, when set, runs in the session change that saves a
	// refresh's tokens, as LoginOptions.OnLogin runs at login; it sees
	// the refresh's token response. Package oauth/openid's OnLogin keeps
	// a refreshed ID token for logout at the provider with it.
	OnRefresh oauth.OnLogin

	Logger *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // time.Now when nil
}

// Keeper keeps each session's tokens and hands out a usable access token
// on demand. It is safe for concurrent use. See the package comment.
type Keeper struct {
	client       *oauth.Client
	keys         []sealKey
	revokeURL    string
	margin       time.Duration
	checkIDToken func(ctx context.Context, rawIDToken string, u oauth.User) error
	onRefresh    oauth.OnLogin
	logger       *slog.Logger
	now          func() time.Time

	mu      sync.Mutex
	flights map[string]*flight // the refresh under way in this process, by session

	revocations sync.WaitGroup
}

// defaultMargin is Options.Margin's default.
const defaultMargin = time.Minute

// New returns a Keeper that refreshes and revokes tokens through client.
func New(client *oauth.Client, opts Options) (*Keeper, error) {
	if len(opts.Keys) == 0 {
		return nil, errors.New("tokens: no key")
	}
	k := &Keeper{
		client:       client,
		revokeURL:    opts.RevocationURL,
		margin:       cmp.Or(opts.Margin, defaultMargin),
		checkIDToken: opts.CheckIDToken,
		onRefresh:    opts.OnRefresh,
		logger:       cmp.Or(opts.Logger, slog.Default()),
		now:          opts.Now,
		flights:      make(map[string]*flight),
	}
	if k.now == nil {
		k.now = time.Now
	}
	for _, secret := range opts.Keys {
		key, err := newSealKey(secret)
		if err != nil {
			return nil, err
		}
		k.keys = append(k.keys, key)
	}
	return k, nil
}

// Token is an access token kept for the session, ready to use.
type Token struct {
	oauth.Token           // AccessToken, TokenType and Scope; never the refresh token
	Expiry      time.Time // zero when the provider did not say
	Obtained    time.Time // when the provider issued it
}

// The errors of [Keeper.Current], compared with errors.Is.
var (
	// ErrNotKept: the session holds no tokens, such as one that began
	// before tokens were kept, or whose tokens do not open (sealed for
	// another session, or under a key no longer configured).
	ErrNotKept = errors.New("no tokens kept for this session")

	// ErrUnavailable: the access token has expired and could not be
	// refreshed now (the provider is down or slow, or the last tries
	// failed and the next is not due yet, or there is no refresh
	// token). The person stays logged in; a later request tries again.
	ErrUnavailable = errors.New("no usable access token at the moment")

	// ErrLoginEnded: the provider refused the refresh (invalid_grant:
	// revoked, expired or reused), or a refreshed ID token named someone
	// else. The session has ended; the next page visit shows why
	// ([Keeper.Guard]).
	ErrLoginEnded = errors.New("the login at the provider has ended")
)

// keptKey is where the session keeps its tokens.
const keptKey = "tokens"

// kept is the session value: the sealed tokens, and the refresh's
// bookkeeping, which is no secret and stays readable by every instance.
type kept struct {
	Sealed string `json:"sealed"`
	Lease  *lease `json:"lease,omitempty"` // a refresh under way, on some instance
	Retry  *retry `json:"retry,omitempty"` // after failed refreshes, when to try again
}

// lease says that one instance is refreshing the tokens until Until (Unix
// milliseconds), and that no other may meanwhile.
type lease struct {
	Owner string `json:"owner"` // random, new for each refresh
	Until int64  `json:"until"`
}

// retry spaces out the refreshes of a provider that failed them.
type retry struct {
	Failures int   `json:"failures"`
	After    int64 `json:"after"` // Unix milliseconds
}

// tokenSet is what is sealed: the token response's values that later
// calls need. Times are Unix milliseconds.
type tokenSet struct {
	Access   string `json:"a"`
	Type     string `json:"t"`
	Scope    string `json:"s,omitempty"`
	Refresh  string `json:"r,omitempty"`
	Expiry   int64  `json:"x,omitempty"` // 0 when the provider gave no lifetime
	Obtained int64  `json:"o"`
}

// newTokenSet is the set a token response makes at now. A response without
// a refresh token or scope keeps the previous one (RFC 6749 §6: the
// provider may leave the refresh token as it is).
func newTokenSet(tok *oauth.Token, previous tokenSet, now time.Time) tokenSet {
	set := tokenSet{
		Access:   tok.AccessToken,
		Type:     tok.TokenType,
		Scope:    cmp.Or(tok.Scope, previous.Scope),
		Refresh:  cmp.Or(tok.RefreshToken, previous.Refresh),
		Obtained: now.UnixMilli(),
	}
	if tok.ExpiresIn > 0 {
		set.Expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second).UnixMilli()
	}
	return set
}

// due reports whether the set's access token should be refreshed at now:
// within the margin of its expiry, and the margin is at most a quarter of
// the token's lifetime, so that a short-lived token is not refreshed at
// every use.
func (s tokenSet) due(now time.Time, margin time.Duration) bool {
	if s.Expiry == 0 {
		return false // no lifetime given: good until the API says otherwise
	}
	margin = min(margin, time.Duration(s.Expiry-s.Obtained)*time.Millisecond/4)
	return !now.Before(time.UnixMilli(s.Expiry).Add(-margin))
}

// expired reports whether the access token can no longer be used at now.
func (s tokenSet) expired(now time.Time) bool {
	return s.Expiry != 0 && !now.Before(time.UnixMilli(s.Expiry))
}

func (s tokenSet) token() *Token {
	t := &Token{
		Token:    oauth.Token{AccessToken: s.Access, TokenType: s.Type, Scope: s.Scope},
		Obtained: time.UnixMilli(s.Obtained),
	}
	if s.Expiry != 0 {
		t.Expiry = time.UnixMilli(s.Expiry)
	}
	return t
}

// OnLogin keeps the login's tokens in the session, sealed: pass it as
// oauth.LoginOptions.OnLogin (beside another layer's, if any). It runs in
// the Renew that logs the person in, so the tokens are bound to the new
// session ID.
func (k *Keeper) OnLogin(v *session.Values, tok *oauth.Token, _ oauth.User) error {
	sealed, err := seal(k.keys, newTokenSet(tok, tokenSet{}, k.now()), v.Binding)
	if err != nil {
		return fmt.Errorf("keep tokens: %w", err)
	}
	if err := v.Put(keptKey, kept{Sealed: sealed}); err != nil {
		return fmt.Errorf("keep tokens: %w", err)
	}
	v.Delete(endedKey) // news of an earlier login, which this one replaces
	return nil
}
