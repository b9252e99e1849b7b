package session

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// A durable save does not wait for the disk. It writes its record and
// renames it into place, which the kernel keeps whatever happens to the
// process, and hands the file to the store's flusher, which makes every
// file handed to it in the next few milliseconds durable with one flush
// of the group: on Linux one syncfs(2) of the file system
// (flush_linux.go), elsewhere an fsync of each file and then of the
// directory that names them (flush_other.go). That is a
// group commit, as PostgreSQL's and Redis's logs make, with the delay
// bounded as Redis's "appendfsync everysec" bounds it, but in milliseconds.
//
// So a crash of the process loses nothing, and a power cut loses at most
// the saves of the last MaxUnflushed (50 ms unless set): a save waits for
// the disk whenever an earlier one has waited for a flush longer than
// that, so a slow disk slows saves down rather than letting the window
// grow. With MaxUnflushed 0 every save waits for its flush, which still
// serves all the saves made meanwhile: no loss at all, at the cost of a
// flush in each save's time.
//
// What a power cut leaves of an unflushed save is never half a record
// that reads as a session: a record of a few hundred bytes is one block
// on the disk, there whole or not at all, and a record cut short does not
// decode, which the Manager takes as no session.

// DefaultMaxUnflushed is a [FileStore]'s MaxUnflushed unless it is set:
// the most a power cut may lose. A flush starts 20 ms (two fifths of it)
// after the first save it makes durable, so that there are at most 50
// flushes a second however many logins arrive, where a flush per save
// would be one for each; 30 ms is left for the flush itself, several
// times what one takes on a local disk.
const DefaultMaxUnflushed = 50 * time.Millisecond

// flusher collects the files of durable saves and flushes them in groups.
type flusher struct {
	mu       sync.Mutex
	next     *flushGroup // collecting; nil when no save waits
	inFlight *flushGroup // being flushed; nil when none is
	lastErr  error       // of the last flush; nil once one succeeds

	flushing sync.Mutex // one flush at a time, in order
}

// flushGroup is the files of the saves that one flush makes durable.
type flushGroup struct {
	files []*os.File
	first time.Time     // when the oldest of them was saved
	done  chan struct{} // closed when the flush has ended
	err   error         // the flush's, once done is closed
}

// flushLater hands f, a record just renamed into place and still open, to
// the flusher. It waits for the flush only when MaxUnflushed is 0, or when
// an earlier save has waited for one longer than MaxUnflushed.
func (s *FileStore) flushLater(f *os.File) error {
	now := s.now()
	fl := &s.flusher
	fl.mu.Lock()
	g := fl.next
	if g == nil {
		g = &flushGroup{first: now, done: make(chan struct{})}
		fl.next = g
		time.AfterFunc(s.MaxUnflushed*2/5, func() { s.Flush() })
	}
	g.files = append(g.files, f)
	oldest := g
	if fl.inFlight != nil {
		oldest = fl.inFlight
	}
	fl.mu.Unlock()
	if s.MaxUnflushed > 0 && now.Sub(oldest.first) < s.MaxUnflushed {
		return nil
	}
	// Flushes end in order, so the end of this save's covers the older.
	<-g.done
	if g.err != nil {
		return fmt.Errorf("save session: %w", g.err)
	}
	return nil
}

// Flush makes every save made so far durable now, and returns the error
// of the flush that did, if it failed. A server calls it as it stops, so
// that nothing waits for a flush that would not come. It is safe to call
// at any time, as often as wanted.
func (s *FileStore) Flush() error {
	fl := &s.flusher
	fl.flushing.Lock()
	defer fl.flushing.Unlock()
	fl.mu.Lock()
	g := fl.next
	fl.next, fl.inFlight = nil, g
	fl.mu.Unlock()
	if g == nil {
		return nil
	}
	g.err = s.flush(g.files)
	fl.mu.Lock()
	fl.inFlight, fl.lastErr = nil, g.err
	fl.mu.Unlock()
	close(g.done)
	return g.err
}

// flushErr is the error of the last flush, until one succeeds: Ping
// reports it, so that a disk that cannot keep records shows on a
// readiness check.
func (s *FileStore) flushErr() error {
	s.flusher.mu.Lock()
	defer s.flusher.mu.Unlock()
	return s.flusher.lastErr
}
