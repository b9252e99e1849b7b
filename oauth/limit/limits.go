package limit

import (
	"log/slog"
	"net/http"
	"time"

	"oauthlogin/oauth"
)

// Limits is the [oauth.Limit] of this package: it asks a [RateLimit] about
// every login start and callback, and a [PendingLimit] about every login
// start, logs each refusal and gives the page the visitor sees. Either
// bound may be left out.
type Limits struct {
	// Rate bounds login starts and callbacks per client address; nil for
	// no per-address bound.
	Rate *RateLimit

	// Pending bounds logins in progress across all clients; nil for no
	// global bound.
	Pending *PendingLimit

	// Now is the clock of both bounds; time.Now when nil. Give it the
	// Login's clock ([oauth.LoginOptions.Now]): the start times that
	// [Limits.Done] gets come from that clock.
	Now func() time.Time

	// Logger receives the refusals; slog.Default() when nil.
	Logger *slog.Logger
}

var _ oauth.Limit = (*Limits)(nil)

// stepLoginStart is the step of [oauth.Limit.Allow] that may write a
// session record; the other is "callback".
const stepLoginStart = "login_start"

// Allow implements [oauth.Limit]. The per-address bound comes first, so
// that a client over it cannot use up the global one; only a login start,
// which writes a record, asks the global bound.
func (l *Limits) Allow(r *http.Request, step string) *oauth.Failure {
	now := l.now()
	if l.Rate != nil && !l.Rate.Allow(r, now) {
		l.logger().Warn("rate limit reached", "event", "rate_limited", "what", step)
		return &oauth.Failure{Status: http.StatusTooManyRequests, Title: "Too many attempts",
			Message: "There have been too many login attempts from your network. Please wait a minute and try again."}
	}
	if step == stepLoginStart && l.Pending != nil && !l.Pending.Allow(now) {
		l.logger().Warn("pending login bound reached", "event", "pending_limited")
		return &oauth.Failure{Status: http.StatusServiceUnavailable, Title: "Too many logins in progress",
			Message: "The server is handling an unusual number of logins right now. Please try again in a few minutes."}
	}
	return nil
}

// Done implements [oauth.Limit]: the attempt started at started no longer
// counts toward the global bound.
func (l *Limits) Done(started time.Time) {
	if l.Pending != nil {
		l.Pending.Release(started)
	}
}

func (l *Limits) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

func (l *Limits) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.Default()
	}
	return l.Logger
}
