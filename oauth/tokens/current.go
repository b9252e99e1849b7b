package tokens

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

const (
	// refreshCallTimeout bounds the call to the token endpoint, on top of
	// the Client's own timeout.
	refreshCallTimeout = 15 * time.Second

	// leaseTime is how long a refresh may hold its lease: the call to the
	// token endpoint, and the session write that saves what it returned,
	// each bounded well within it. Past it, another instance may take the
	// refresh over (see the package comment).
	leaseTime = 30 * time.Second

	// The wait for another instance's refresh: the session is read again
	// after 10 ms, then at twice the interval, up to 250 ms.
	firstPoll = 10 * time.Millisecond
	maxPoll   = 250 * time.Millisecond

	// saveTries is how many times the tokens a refresh returned are
	// offered to the session store: lost, they would make the next
	// refresh send a spent refresh token.
	saveTries = 3
)

// The reasons a refresh does not happen, inside the session change.
var (
	errBackingOff     = errors.New("the last refresh failed, and the next try is not due yet")
	errNoRefreshToken = errors.New("the access token has expired, and the provider gave no refresh token")
)

// Current returns a usable access token for the request's session, which
// must have passed the login's Require: that is the user a refreshed ID
// token is checked against.
//
// A token that is not yet due for refresh comes from the session as the
// request loaded it, without a call to the store or the provider: a
// decryption. One due within the margin is refreshed first (RFC 6749 §6),
// once for the session however many requests ask at once: see the package
// comment for how instances share the work. While a refresh is under way,
// or after one failed, a token that has not expired yet is still
// returned.
//
// The errors are [ErrNotKept], [ErrUnavailable] and [ErrLoginEnded],
// possibly wrapped; none holds a token.
func (k *Keeper) Current(r *http.Request) (*Token, error) {
	sess := session.FromRequest(r)
	var kv kept
	found, err := sess.Get(keptKey, &kv)
	if err != nil || !found {
		return nil, ErrNotKept
	}
	set, old, err := open(k.keys, kv.Sealed, sess.Binding)
	if err != nil {
		k.logger.Warn("kept tokens unreadable", "event", "tokens_unreadable", "session", sess.LogID(), "err", err)
		return nil, ErrNotKept
	}
	if !old && !set.due(k.now(), k.margin) {
		return set.token(), nil
	}
	u, _ := oauth.UserFromRequest(r)
	tok, err := k.shared(r.Context(), sess, u, set)
	if err != nil && !errors.Is(err, ErrLoginEnded) && !errors.Is(err, ErrNotKept) && !set.expired(k.now()) {
		return set.token(), nil // not refreshed now, but still good
	}
	return tok, err
}

// A flight is the refresh of one session under way in this process, which
// the session's other requests wait for instead of starting their own.
type flight struct {
	done chan struct{} // closed once tok and err are set
	tok  *Token
	err  error
}

// shared runs at most one refresh of the session at a time in this
// process: the first request runs it, and those that come meanwhile wait
// for its outcome, or use seen, the token their request loaded, if it
// has not expired.
func (k *Keeper) shared(ctx context.Context, sess *session.Session, u oauth.User, seen tokenSet) (*Token, error) {
	name := hex.EncodeToString(sess.Binding(k.keys[0].binding))
	k.mu.Lock()
	f, running := k.flights[name]
	if !running {
		f = &flight{done: make(chan struct{}), err: ErrUnavailable}
		k.flights[name] = f
	}
	k.mu.Unlock()
	if running {
		if !seen.expired(k.now()) {
			return seen.token(), nil
		}
		select {
		case <-f.done:
			return f.tok, f.err
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
	}
	defer func() {
		k.mu.Lock()
		delete(k.flights, name)
		k.mu.Unlock()
		close(f.done)
	}()
	// Once a refresh token is sent, what comes back must be saved even if
	// this visitor goes away: the refresh outlives its request.
	f.tok, f.err = k.refresh(ctx, sess.WithContext(context.WithoutCancel(ctx)), u)
	return f.tok, f.err
}

// refresh brings the session's tokens up to date across every instance
// that shares the session store: it claims the refresh, or waits for the
// instance that has, or finds that one has done it already. ctx, the
// request's, bounds only the wait for another instance: this one's own
// refresh, once claimed, is seen through.
func (k *Keeper) refresh(ctx context.Context, sess *session.Session, u oauth.User) (*Token, error) {
	// Another instance's refresh ends within refreshCallTimeout, unless
	// that instance died with the lease, which then ends by itself within
	// leaseTime. The page waits no longer than the first: the server's
	// write timeout has room for it, and the request after it claims the
	// refresh once the lease has ended.
	deadline := time.Now().Add(refreshCallTimeout)
	for wait := firstPoll; ; wait = min(2*wait, maxPoll) {
		c, err := k.claim(sess)
		switch {
		case errors.Is(err, errNotKept), errors.Is(err, errUnreadable):
			return nil, ErrNotKept
		case errors.Is(err, errBackingOff), errors.Is(err, errNoRefreshToken):
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		case err != nil:
			k.logger.Error("token refresh: session store", "event", "session_store_error", "session", sess.LogID(), "err", err)
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		case c.ready:
			return c.set.token(), nil
		case c.owner != "":
			return k.rotate(sess, c, u)
		case !c.set.expired(k.now()):
			return c.set.token(), nil // another instance is refreshing it: still good meanwhile
		}
		// Another instance holds the lease: read the session again soon.
		if time.Now().Add(wait).After(deadline) {
			return nil, fmt.Errorf("%w: another instance's refresh did not end", ErrUnavailable)
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
	}
}

// claim is what one look at the session's tokens found.
type claim struct {
	set   tokenSet
	ready bool   // set needs no refresh
	owner string // when not "", this call holds the lease: refresh set
}

// errNotKept is claim's: the session is gone, or holds no tokens.
var errNotKept = errors.New("no tokens kept")

// claim reads the session's newest tokens in one change of the session
// (with an AtomicStore, a compare-and-set across instances) and, if they
// are due for a refresh and no other instance holds the lease, takes it:
// the lease goes into the session in the same atomic step that read the
// refresh token it is for. Tokens sealed under a previous key are sealed
// again under the current one.
func (k *Keeper) claim(sess *session.Session) (claim, error) {
	var c claim
	err := sess.Update(func(v *session.Values) error {
		c = claim{}
		now := k.now()
		kv, set, old, err := k.read(v)
		if err != nil {
			return err
		}
		switch {
		case !set.due(now, k.margin):
			c.set, c.ready = set, true
			if !old {
				return nil
			}
			if kv.Sealed, err = seal(k.keys, set, v.Binding); err != nil {
				return err
			}
			return v.Put(keptKey, kv)
		case kv.Lease != nil && now.UnixMilli() < kv.Lease.Until:
			c.set = set // another refresh is under way
			return nil
		case kv.Retry != nil && now.UnixMilli() < kv.Retry.After:
			return errBackingOff
		case set.Refresh == "":
			return errNoRefreshToken
		}
		c.set, c.owner = set, newOwner()
		kv.Lease = &lease{Owner: c.owner, Until: now.Add(leaseTime).UnixMilli()}
		return v.Put(keptKey, kv)
	})
	return c, err
}

// read returns the session value and the tokens it seals.
func (k *Keeper) read(v *session.Values) (kv kept, set tokenSet, old bool, err error) {
	found, err := v.Get(keptKey, &kv)
	if err != nil || !found {
		return kept{}, tokenSet{}, false, errNotKept
	}
	set, old, err = open(k.keys, kv.Sealed, v.Binding)
	return kv, set, old, err
}

// rotate sends the claimed refresh token, once, and saves what comes back.
func (k *Keeper) rotate(sess *session.Session, c claim, u oauth.User) (*Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), refreshCallTimeout)
	defer cancel()
	tok, err := refreshAccessToken(ctx, k.client, c.set.Refresh)
	var perr *oauth.ProviderError
	switch {
	case errors.As(err, &perr) && perr.Code == "invalid_grant":
		// RFC 6749 §5.2: the refresh token is revoked, expired, or was
		// used before. Trying again cannot help.
		k.end(sess, "refresh_token_refused", err)
		return nil, ErrLoginEnded
	case err != nil:
		k.release(sess, c, err)
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	keepIDToken := false
	if tok.IDToken != "" && k.checkIDToken != nil {
		err := k.checkIDToken(ctx, tok.IDToken, u)
		var refusal *oauth.Refusal
		switch {
		case errors.As(err, &refusal):
			k.end(sess, "id_token_refused", err)
			return nil, ErrLoginEnded
		case err != nil:
			// Not refused, only not checked (the provider's keys did not
			// come): the tokens are saved, since the refresh token is
			// spent, but the ID token is not kept.
			k.logger.Warn("refreshed ID token not checked; not kept", "event", "id_token_unchecked",
				"session", sess.LogID(), "err", err)
		default:
			keepIDToken = true
		}
	}
	next := newTokenSet(tok, c.set, k.now())
	if !keepIDToken {
		tok.IDToken = ""
	}
	return k.save(sess, c, next, tok, u)
}

// save puts the tokens of a refresh in the session in place of the ones
// the lease was for, and drops the lease, in one change of the session.
//
// Had the lease run out meanwhile (this process stalled past leaseTime),
// another instance may have refreshed the same token: if the session holds
// newer tokens than the ones refreshed here, they stand, and these are
// dropped.
func (k *Keeper) save(sess *session.Session, c claim, next tokenSet, tok *oauth.Token, u oauth.User) (*Token, error) {
	var result tokenSet
	var superseded bool
	var err error
	for try := 1; try <= saveTries; try++ {
		err = sess.Update(func(v *session.Values) error {
			result, superseded = next, false
			kv, current, _, err := k.read(v)
			if errors.Is(err, errNotKept) {
				return err
			}
			if (kv.Lease == nil || kv.Lease.Owner != c.owner) && err == nil && current.Refresh != c.set.Refresh {
				result, superseded = current, true
				return nil
			}
			sealed, err := seal(k.keys, next, v.Binding)
			if err != nil {
				return err
			}
			if err := v.Put(keptKey, kept{Sealed: sealed}); err != nil {
				return err
			}
			if tok.IDToken != "" && k.onRefresh != nil {
				return k.onRefresh(v, tok, u)
			}
			return nil
		})
		if err == nil || errors.Is(err, errNotKept) {
			break
		}
		k.logger.Error("token refresh: save the new tokens", "event", "session_store_error", "session", sess.LogID(),
			"try", try, "err", err)
		time.Sleep(time.Duration(try) * 100 * time.Millisecond)
	}
	switch {
	case errors.Is(err, errNotKept):
		// Logged out while the refresh was under way: what it brought is
		// revoked, as logout revokes what it finds.
		k.revokeLater(next, sess.LogID())
		return nil, ErrNotKept
	case err != nil:
		k.logger.Error("refreshed tokens are lost: the next refresh sends a spent refresh token",
			"event", "token_refresh_unsaved", "session", sess.LogID())
		return next.token(), nil // good for this request at least
	}
	if superseded {
		k.logger.Warn("token refresh outlived its lease; another instance's tokens stand",
			"event", "token_refresh_superseded", "session", sess.LogID())
		return result.token(), nil
	}
	k.logger.Info("tokens refreshed", "event", "tokens_refreshed", "session", sess.LogID())
	return result.token(), nil
}

// release gives the lease back after a refresh that failed without an
// answer that ends the login (the provider down, slow or broken), and
// says when the next try is due: one second after the first failure, then
// twice as long after each, up to a minute. Until then, requests get
// ErrUnavailable without a call to the provider.
func (k *Keeper) release(sess *session.Session, c claim, cause error) {
	var failures int
	err := sess.Update(func(v *session.Values) error {
		kv, _, _, err := k.read(v)
		if errors.Is(err, errNotKept) {
			return nil
		}
		if kv.Lease == nil || kv.Lease.Owner != c.owner {
			return nil // not ours any more
		}
		failures = 1
		if kv.Retry != nil {
			failures = kv.Retry.Failures + 1
		}
		kv.Lease = nil
		kv.Retry = &retry{Failures: failures, After: k.now().Add(backoff(failures)).UnixMilli()}
		return v.Put(keptKey, kv)
	})
	k.logger.Warn("token refresh failed; the person stays logged in", "event", "token_refresh_failed",
		"session", sess.LogID(), "failures", failures, "err", cause)
	if err != nil {
		k.logger.Error("token refresh: release the lease", "event", "session_store_error", "session", sess.LogID(), "err", err)
	}
}

// backoff is the wait after the given number of failed refreshes in a row.
func backoff(failures int) time.Duration {
	return min(time.Second<<min(failures-1, 6), time.Minute)
}

// newOwner names one refresh, for its lease.
func newOwner() string { return rand.Text() }
