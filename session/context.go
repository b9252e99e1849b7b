package session

import "context"

// WithContext returns a copy of s whose calls to the store are bounded by
// ctx rather than by the request's context. A change that must be saved
// once begun, even if the visitor goes away meanwhile, uses it with
// context.WithoutCancel: a rotated refresh token, say, is lost for good if
// its save is cancelled after the provider has issued it. A store's own
// timeout still bounds each call.
//
// The copy and s are two views of one session: what one saves is in the
// store, but not in the other's values, which Get reads.
func (s *Session) WithContext(ctx context.Context) *Session {
	c := *s
	c.ctx = ctx
	return &c
}
