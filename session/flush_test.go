package session

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"
)

// flushRecorder stands in for the store's flush: it notes each flush and
// the files it was given, can hold a flush until released, and can fail.
type flushRecorder struct {
	s       *FileStore
	mu      sync.Mutex
	flushes []int         // the number of files of each flush
	started chan struct{} // receives when a flush begins, if not nil
	release chan struct{} // a flush waits for it to close, if not nil
	err     error

	releaseOnce sync.Once
}

// holdFlushes makes each flush wait until releaseFlushes, which also runs
// before the test's store is flushed for the last time.
func (r *flushRecorder) holdFlushes(t *testing.T) {
	r.started, r.release = make(chan struct{}, 2), make(chan struct{})
	t.Cleanup(r.releaseFlushes)
}

func (r *flushRecorder) releaseFlushes() { r.releaseOnce.Do(func() { close(r.release) }) }

func recordFlushes(s *FileStore) *flushRecorder {
	r := &flushRecorder{s: s}
	s.flush = r.flush
	return r
}

func (r *flushRecorder) flush(files []*os.File) error {
	r.mu.Lock()
	r.flushes = append(r.flushes, len(files))
	started, release, err := r.started, r.release, r.err
	r.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if release != nil {
		<-release
	}
	return errors.Join(r.s.syncFiles(files), err)
}

func (r *flushRecorder) counts() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.flushes...)
}

// TestDurableSavesShareOneFlush: saves return before the disk has their
// records, and one flush then makes all of them durable (issue 24's group
// commit).
func TestDurableSavesShareOneFlush(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	s.MaxUnflushed = time.Hour // no flush of its own during the test
	r := recordFlushes(s)
	for range 10 {
		if err := s.Save(mustID(t), []byte(`{}`), clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.counts(); len(got) != 0 {
		t.Fatalf("saves waited for %d flushes; want none before Flush", len(got))
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := r.counts(); len(got) != 1 || got[0] != 10 {
		t.Fatalf("flushes %v, want one of all 10 saves", got)
	}
	if err := s.Flush(); err != nil || len(r.counts()) != 1 {
		t.Fatalf("a Flush with nothing to flush flushed (%v)", err)
	}
}

// TestEphemeralSavesAreNotFlushed: a login in progress is left to the
// kernel.
func TestEphemeralSavesAreNotFlushed(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	r := recordFlushes(s)
	if err := s.SaveEphemeral(mustID(t), []byte(`{}`), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := r.counts(); len(got) != 0 {
		t.Fatalf("flushes %v after an ephemeral save, want none", got)
	}
}

// TestSavesAreFlushedWithoutBeingAsked: the flush comes by itself, a
// fraction of MaxUnflushed after the save.
func TestSavesAreFlushedWithoutBeingAsked(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	r := recordFlushes(s)
	r.started = make(chan struct{}, 1)
	if err := s.Save(mustID(t), []byte(`{}`), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.started:
	case <-time.After(time.Minute): // a bound on a hang, not a timing
		t.Fatal("no flush a minute after a save")
	}
}

// TestZeroMaxUnflushedWaitsForTheDisk: with MaxUnflushed 0 a save returns
// only once its flush has ended.
func TestZeroMaxUnflushedWaitsForTheDisk(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	s.MaxUnflushed = 0
	r := recordFlushes(s)
	r.holdFlushes(t)
	saved := make(chan error)
	go func() { saved <- s.Save(mustID(t), []byte(`{}`), clock.Now().Add(time.Hour)) }()
	<-r.started
	select {
	case err := <-saved:
		t.Fatalf("the save returned (%v) while its flush was still under way", err)
	case <-time.After(100 * time.Millisecond): // long enough to see a save that does not wait
	}
	r.releaseFlushes()
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
}

// TestSlowDiskMakesSavesWait: once a save has waited for a flush longer
// than MaxUnflushed, the next save waits for the disk, so that a power
// cut cannot lose more than MaxUnflushed of saves.
func TestSlowDiskMakesSavesWait(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	r := recordFlushes(s)
	r.holdFlushes(t)
	if err := s.Save(mustID(t), []byte(`{}`), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	<-r.started // the first save's flush hangs on a slow disk
	clock.Advance(s.MaxUnflushed + time.Millisecond)
	saved := make(chan error)
	go func() { saved <- s.Save(mustID(t), []byte(`{}`), clock.Now().Add(time.Hour)) }()
	select {
	case err := <-saved:
		t.Fatalf("the save returned (%v) with an older one unflushed for longer than MaxUnflushed", err)
	case <-time.After(100 * time.Millisecond): // long enough to see a save that does not wait
	}
	r.releaseFlushes()
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	if got := r.counts(); len(got) != 2 {
		t.Fatalf("flushes %v, want the slow one and the next", got)
	}
}

// TestFailedFlushShowsOnPing: a flush the disk refuses makes the store
// unready until a flush succeeds.
func TestFailedFlushShowsOnPing(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	s.MaxUnflushed = time.Hour
	r := recordFlushes(s)
	r.err = errors.New("input/output error")
	if err := s.Save(mustID(t), []byte(`{}`), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); !errors.Is(err, r.err) {
		t.Fatalf("Flush: %v, want the disk's error", err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, r.err) {
		t.Fatalf("Ping after a failed flush: %v, want the disk's error", err)
	}
	r.mu.Lock()
	r.err = nil
	r.mu.Unlock()
	if err := s.Save(mustID(t), []byte(`{}`), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping after a good flush: %v", err)
	}
}
