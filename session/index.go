package session

import (
	"bytes"
	"context"
	"slices"
)

// A session can be filed under terms, such as "the sessions of this
// person" or "the sessions of this login at the provider", so that they
// can all be ended at once: by "log out of all devices", or when the
// provider says that a login ended (OpenID Connect Back-Channel Logout).
// The terms live in the record itself ([Values.FileUnder]); a store that
// implements [Index] keeps, beside the records, an index from each term to
// the names of the records filed under it (never their IDs, which are
// secrets: see [Store]). An index entry may outlive its session, but it
// ends a session only if the session's record still carries the term, so
// a stale entry never ends anyone else's session.

// indexValue is the value under which a session's terms are kept.
const indexValue = "session.index"

// MaxIndexed bounds the live sessions filed under one term: a login that
// would file the session beyond it ends the sessions that would expire
// first, so that an index entry is never dropped for a session that still
// lives and the index of one person stays small.
const MaxIndexed = 64

// FileUnder files the session under terms, in place of any it was filed
// under. Call it in the Update or Renew that logs the visitor in.
func (v *Values) FileUnder(terms ...string) error {
	return v.Put(indexValue, terms)
}

// IndexTerms returns the terms that the encoded record rec is filed under,
// for a store that keeps an [Index]; nil when there are none, or rec is
// not a readable record. A record without terms costs a byte search.
func IndexTerms(rec []byte) []string {
	if !bytes.Contains(rec, []byte(`"`+indexValue+`"`)) {
		return nil
	}
	r, err := decodeRecord(rec)
	if err != nil {
		return nil
	}
	var terms []string
	if _, err := r.Values.Get(indexValue, &terms); err != nil {
		return nil
	}
	return terms
}

// FiledUnder reports whether the encoded record rec is filed under term.
// An Index checks it before it ends a session by an index entry.
func FiledUnder(rec []byte, term string) bool {
	return slices.Contains(IndexTerms(rec), term)
}

// An Index is a [Store] that can end every session filed under a term
// ([Values.FileUnder]), on every process that shares it.
type Index interface {
	Store
	// EndSessions deletes the record of every session filed under term,
	// and returns how many it deleted.
	EndSessions(ctx context.Context, term string) (ended int, err error)
}
