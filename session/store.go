package session

import "time"

// Store keeps encoded session records by session ID.
//
// Implementations must be safe for concurrent use. The ID given to a Store
// has already been checked by the Manager to be well formed, but a Store
// must still never use it as a file name or key as it is: a listing of the
// store must not yield usable session IDs.
type Store interface {
	// Load returns the record saved under id. A record that is missing or
	// unreadable as a record (too large, say) is found=false with a nil
	// error; errors are for system failures only, such as a disk that
	// cannot be read. A record past its expiry may still be returned: the
	// Manager checks the timeouts itself.
	Load(id string) (rec []byte, found bool, err error)

	// Save stores rec under id, replacing any earlier record atomically: a
	// concurrent Load sees the old record or the new one, never a mix, and
	// a crash leaves one of the two. The store may drop the record at any
	// time after expiry.
	Save(id string, rec []byte, expiry time.Time) error

	// Delete removes the record saved under id. Deleting a record that does
	// not exist is not an error.
	Delete(id string) error
}
