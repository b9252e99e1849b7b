package session

import (
	"context"
	"errors"
	"time"
)

// MaxRecordSize bounds an encoded session record, for every store. Records
// are small (a user and a few pending logins); a Store's Load treats
// anything larger as no record at all, so the Manager refuses to save one
// with [ErrRecordTooLarge] rather than write what it could never read back.
const MaxRecordSize = 64 << 10

// ErrRecordTooLarge is returned, wrapped, by Session.Update and
// Session.Renew when the session's values would make a record larger than
// [MaxRecordSize]. Nothing is saved, and the session keeps its last saved
// values. A caller can tell the visitor so instead of carrying on with a
// session that the next request would not find.
var ErrRecordTooLarge = errors.New("session record too large")

// ErrConflict is returned, wrapped, by an [AtomicStore]'s Change when other
// processes kept changing the record for as long as it tries.
var ErrConflict = errors.New("session record changed concurrently too many times")

// Store keeps encoded session records by session ID.
//
// Implementations must be safe for concurrent use. The ID given to a Store
// has already been checked by the Manager to be well formed, but a Store
// must still never use it as a file name or key as it is: a listing of the
// store must not yield usable session IDs.
//
// A Store that is shared by several processes should also implement
// [AtomicStore]; with a plain Store, the Manager serialises the changes to
// one session within its own process only.
type Store interface {
	// Load returns the record saved under id. A record that is missing or
	// unreadable as a record (larger than MaxRecordSize, say) is
	// found=false with a nil error; errors are for system failures only,
	// such as a disk that cannot be read. A record past its expiry may
	// still be returned: the Manager checks the timeouts itself.
	Load(id string) (rec []byte, found bool, err error)

	// Save stores rec under id, replacing any earlier record atomically: a
	// concurrent Load sees the old record or the new one, never a mix, and
	// a crash leaves one of the two. A record larger than MaxRecordSize is
	// refused with an error wrapping ErrRecordTooLarge, and nothing
	// changes. The store may drop the record at any time after expiry.
	Save(id string, rec []byte, expiry time.Time) error

	// Delete removes the record saved under id. Deleting a record that does
	// not exist is not an error.
	Delete(id string) error
}

// A ContextStore is a [Store] whose calls can be bounded by a context: a
// store that waits on a network, for one. The Manager passes the context of
// the request that loaded the session, so a client that goes away, or a
// server's deadline, ends the wait. Each method means what its Store
// counterpart means, and returns an error wrapping ctx's error once ctx is
// done.
type ContextStore interface {
	Store
	LoadContext(ctx context.Context, id string) (rec []byte, found bool, err error)
	SaveContext(ctx context.Context, id string, rec []byte, expiry time.Time) error
	DeleteContext(ctx context.Context, id string) error
}

// An AtomicStore is a [ContextStore] that can change a record atomically
// with respect to every process that shares the store. The Manager uses
// Change for every read-modify-write of a session (an Update, a Renew,
// recording activity), so that two instances of an application changing
// one session at once both keep their change, and a session deleted by one
// instance is never written back by another.
type AtomicStore interface {
	ContextStore

	// Change reads the record under id and calls fn with it, as Load would
	// return it. It then applies the writes fn returns, in order, as one
	// atomic step, but only if the record under id is still the one fn
	// saw; if another process changed or deleted it meanwhile, Change
	// reads it again and calls fn again. It should wait a short random
	// time before each new try, so that processes that collided do not
	// collide again in step. Its tries are bounded, by ctx and by a limit
	// of its own; conflicts that outlast them end in an error wrapping
	// ErrConflict.
	//
	// fn may therefore run more than once, and must have no effect beyond
	// its result. If fn returns an error, or no writes, nothing is written
	// and Change returns fn's error as it is.
	//
	// The Manager never calls Change for one session twice at once within
	// a process: the changes of one process queue behind its per-session
	// lock, so only other processes can conflict.
	//
	// A write may name another ID than id: a renewal saves the record
	// under a new ID and deletes the old one in the same step. Either all
	// of the writes happen or none does; when ctx ends, or the store
	// fails, while the step is under way, Change returns an error and the
	// caller cannot know which.
	Change(ctx context.Context, id string, fn func(rec []byte, found bool) ([]Write, error)) error
}

// A Write is one change that [AtomicStore.Change] applies.
type Write struct {
	ID     string
	Rec    []byte    // the record to save; nil deletes the record under ID
	Expiry time.Time // when the store may drop a saved record

	// Ephemeral marks a record whose loss in a crash or a power cut costs
	// the visitor no more than a retry, such as a login in progress (see
	// [Session.UpdateEphemeral]). A store may save it without waiting for
	// stable storage; one that cannot tell ignores the mark.
	Ephemeral bool
}

// An EphemeralSaver is a [Store] that can save a record without waiting for
// it to reach stable storage: faster, and still atomic for every reader,
// but a crash or a power cut soon after may lose it, or leave in its place
// a record that does not decode (which counts as no session). The Manager
// uses it for writes marked [Write.Ephemeral].
type EphemeralSaver interface {
	Store
	SaveEphemeral(id string, rec []byte, expiry time.Time) error
}
