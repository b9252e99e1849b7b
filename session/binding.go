package session

import (
	"crypto/hmac"
	"crypto/sha256"
)

// Binding returns the HMAC-SHA-256 of the session's ID under key: a name
// of this session that stays the same for as long as its ID does, and
// that can be turned back into the ID neither by whoever reads it nor
// without key by whoever holds the cookie. A layer that keeps a secret in
// the session binds it with this (as the additional data of an AEAD, say),
// so that a record copied under another session's name is worth nothing
// there, without ever storing the ID. Give each use a key of its own, and
// never log the result: it names a live session.
//
// It is nil for a visitor without a stored session.
func (s *Session) Binding(key []byte) []byte { return binding(key, s.id) }

// Binding is [Session.Binding] for the session these values are saved
// under, inside the fn of an Update or a Renew. In a Renew that is the new
// ID, so a value bound in fn is bound to the session as it is after the
// Renew. It is nil in the Update of a visitor without a stored session,
// whose ID is made only once fn has put something in.
func (v *Values) Binding(key []byte) []byte { return binding(key, v.id) }

func binding(key []byte, id string) []byte {
	if id == "" {
		return nil
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	return mac.Sum(nil)
}
