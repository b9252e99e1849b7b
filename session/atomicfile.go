package session

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

// AtomicFileStore makes a [FileStore]'s changes atomic across every
// process that shares its directory: an [AtomicStore], as the Redis store
// is. A FileStore alone serialises the changes to a session within one
// process only, so two instances on one shared directory can each read a
// session, change it, and save it, and one change is lost. That is
// tolerable for most of what a session holds, but not for a rotated
// refresh token: a write that puts back the token before it sends a used
// token to the provider, which may then revoke the whole grant.
//
// Each Change, and each Delete, holds an exclusive lock (flock(2)) on one
// of 256 lock files in the directory, picked by a hash of the session ID,
// while it reads, calls fn and writes. Locks are per open file, so they
// also exclude the goroutines of one process, and the kernel drops them
// when a process dies, so a crash never leaves a session locked. Loads
// take no lock: each record is replaced by a rename, which readers see
// whole. On NFS, Linux takes flock as a lock on the server (NFSv4, or
// NLM with v3), which holds across machines; some other network file
// systems take it as a lock on the local machine only.
//
// A change's writes are made in order, each atomic by itself, as a
// Manager makes them for a plain Store: a crash between the two writes of
// a renewal can leave the old record beside the new one.
type AtomicFileStore struct {
	Store            // the records: a *FileStore, or a store built on one
	files *FileStore // whose directory holds the locks
}

var _ AtomicStore = (*AtomicFileStore)(nil)

// onFileStore is a Store whose records are a FileStore's: the FileStore
// itself, or a store that embeds one, such as an IndexedFileStore.
type onFileStore interface {
	Store
	fileStore() *FileStore
}

func (s *FileStore) fileStore() *FileStore { return s }

// NewAtomicFileStore returns s with atomic changes. s is a *FileStore, or
// a store of this package built on one, such as an *IndexedFileStore:
// every write goes through s, with what it adds. It fails on a system
// without flock(2), where it could not keep its promise.
func NewAtomicFileStore(s Store) (*AtomicFileStore, error) {
	files, ok := s.(onFileStore)
	if !ok {
		return nil, fmt.Errorf("session: atomic changes need a file store, not a %T", s)
	}
	if !flockSupported {
		return nil, errors.New("session file store: atomic changes need flock(2), which this system lacks")
	}
	return &AtomicFileStore{Store: s, files: files.fileStore()}, nil
}

// The lock's wait: a first retry after about a millisecond, doubling up to
// 64 ms, for lockTimeout at most. A lock is held for one read and write of
// a small file, so a wait of seconds means a stuck disk.
const (
	firstLockRetry = time.Millisecond
	lockTimeout    = 5 * time.Second
)

// Change implements [AtomicStore].
func (s *AtomicFileStore) Change(ctx context.Context, id string, fn func(rec []byte, found bool) ([]Write, error)) error {
	unlock, err := s.lock(ctx, id)
	if err != nil {
		return fmt.Errorf("change session: %w", err)
	}
	defer unlock()
	rec, found, err := s.Store.Load(id)
	if err != nil {
		return err
	}
	writes, err := fn(rec, found)
	if err != nil {
		return err
	}
	for _, w := range writes {
		switch {
		case w.Rec == nil:
			err = s.Store.Delete(w.ID)
		case w.Ephemeral:
			err = s.SaveEphemeral(w.ID, w.Rec, w.Expiry)
		default:
			err = s.Store.Save(w.ID, w.Rec, w.Expiry)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// SaveEphemeral implements [EphemeralSaver] with the store's own, or its
// Save.
func (s *AtomicFileStore) SaveEphemeral(id string, rec []byte, expiry time.Time) error {
	if e, ok := s.Store.(EphemeralSaver); ok {
		return e.SaveEphemeral(id, rec, expiry)
	}
	return s.Store.Save(id, rec, expiry)
}

// Flush makes the saves made so far durable, as [FileStore.Flush] does.
func (s *AtomicFileStore) Flush() error { return s.files.Flush() }

// Ping checks the directory as [FileStore.Ping] does.
func (s *AtomicFileStore) Ping(ctx context.Context) error { return s.files.Ping(ctx) }

// EndSessions implements [Index] when the store is one, as an
// IndexedFileStore is; on any other store it ends nothing, and fails.
func (s *AtomicFileStore) EndSessions(ctx context.Context, term string) (int, error) {
	index, ok := s.Store.(Index)
	if !ok {
		return 0, errors.New("session: the store keeps no index")
	}
	return index.EndSessions(ctx, term)
}

// Delete implements [Store]. It takes the session's lock, so that a
// change under way in another process cannot write the record back after
// it is gone: a logout is final.
func (s *AtomicFileStore) Delete(id string) error {
	return s.DeleteContext(context.Background(), id)
}

// DeleteContext implements [ContextStore]; ctx bounds the wait for the
// lock.
func (s *AtomicFileStore) DeleteContext(ctx context.Context, id string) error {
	unlock, err := s.lock(ctx, id)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	defer unlock()
	return s.Store.Delete(id)
}

// LoadContext implements [ContextStore]. A read of the local disk is not
// worth interrupting: ctx is only checked first.
func (s *AtomicFileStore) LoadContext(ctx context.Context, id string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("load session: %w", err)
	}
	return s.Store.Load(id)
}

// SaveContext implements [ContextStore]. A save needs no lock: a Manager
// saves without Change only the record of an ID it has just made.
func (s *AtomicFileStore) SaveContext(ctx context.Context, id string, rec []byte, expiry time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return s.Store.Save(id, rec, expiry)
}

// lockName is the lock file of session id. The hash is not keyed: a lock
// file's name tells one of 256 buckets, which says nothing about an ID,
// and every process must pick the same one even while their keys differ,
// during a key rotation.
func lockName(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "lock-" + strconv.FormatUint(uint64(sum[0])|0x100, 16)[1:]
}

// lock takes the lock of session id, waiting for it as long as ctx and
// lockTimeout allow, and returns what releases it.
func (s *AtomicFileStore) lock(ctx context.Context, id string) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	// A file of its own for each lock: a second lock through an open file
	// that holds one would succeed at once.
	f, err := s.files.openFile(lockName(id), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for tries := 0; ; tries++ {
		locked, err := tryFlock(f)
		if locked {
			return func() { f.Close() }, nil // closing drops the lock
		}
		if err == nil {
			err = pause(ctx, tries)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
}

// pause waits before the next try of a lock held elsewhere: a random time
// below a ceiling that doubles with each try, so that waiters do not all
// try again at once. Past ctx's end it fails with ErrConflict.
func pause(ctx context.Context, tries int) error {
	timer := time.NewTimer(rand.N(firstLockRetry << min(tries, 6)))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: the session stayed locked (%w)", ErrConflict, ctx.Err())
	}
}
