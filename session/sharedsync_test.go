package session

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestSharedSyncServesWaitingCallersWithOneFlush: callers that arrive while
// a flush runs share the next flush, and each gets the error of a flush
// that started after it called, never of the one already under way.
func TestSharedSyncServesWaitingCallersWithOneFlush(t *testing.T) {
	var rounds atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	roundErr := []error{nil, errors.New("the second flush failed")}
	s := &sharedSync{sync: func() error {
		n := rounds.Add(1)
		started <- struct{}{}
		<-release
		return roundErr[n-1]
	}}

	first := make(chan error, 1)
	go func() { first <- s.do() }()
	<-started // the first flush runs, and holds
	const waiting = 5
	later := make(chan error, waiting)
	for range waiting {
		go func() { later <- s.do() }()
	}
	for queued := 0; queued < waiting; runtime.Gosched() {
		s.mu.Lock()
		queued = len(s.next)
		s.mu.Unlock()
	}
	release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatalf("the first caller got %v, want the first flush's nil", err)
	}
	select { // one more flush, for all the callers who waited
	case <-started:
	case err := <-later:
		t.Fatalf("a caller who came during the first flush returned (%v) without a flush of its own", err)
	}
	release <- struct{}{}
	for range waiting {
		if err := <-later; err != roundErr[1] {
			t.Fatalf("a caller who came during the first flush got %v, want the second flush's error", err)
		}
	}
	if n := rounds.Load(); n != 2 {
		t.Fatalf("%d flushes for 1+%d callers, want 2", n, waiting)
	}
}

// TestIndexEntriesAreFlushedBeforeTheirRecord: where the index has a
// shared flush, a login's new entry waits for one before its record is
// saved; a record saved again, its entry in place, and a login in
// progress wait for none.
func TestIndexEntriesAreFlushedBeforeTheirRecord(t *testing.T) {
	a := newIndexedApp(t)
	var flushes atomic.Int32
	a.store.entrySync = &sharedSync{sync: func() error { flushes.Add(1); return nil }}
	id := a.login("ada")
	if n := flushes.Load(); n != 1 {
		t.Fatalf("%d flushes of the index for a login, want 1", n)
	}
	rec, found, err := a.store.Load(id)
	if err != nil || !found {
		t.Fatalf("Load = %v, %v", found, err)
	}
	if err := a.store.Save(id, rec, a.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := flushes.Load(); n != 1 {
		t.Fatalf("%d flushes of the index after saving a filed record again, want still 1", n)
	}

	a.store.entrySync = &sharedSync{sync: func() error { return errors.New("disk gone") }}
	other, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.Save(other, rec, a.clock.Now().Add(time.Hour)); err == nil {
		t.Fatal("a save whose index entry could not be flushed succeeded")
	}
	if _, found, _ := a.store.Load(other); found {
		t.Fatal("the record was saved although its index entry was not flushed")
	}
}
