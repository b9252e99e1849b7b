package session

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func init() {
	// The Store contract and the Manager's life cycle hold on an
	// AtomicFileStore too.
	contractStores["AtomicFileStore"] = func(t *testing.T) contractStore {
		s, dir, clock := newTestAtomicFileStore(t, "")
		return contractStore{store: s, clock: clock, names: func() []string { return recordNames(t, dir) }}
	}
}

// newTestAtomicFileStore opens an AtomicFileStore on dir, or on a new
// directory when dir is "".
func newTestAtomicFileStore(t *testing.T, dir string) (*AtomicFileStore, string, *fakeClock) {
	t.Helper()
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "sessions")
	}
	clock := newFakeClock()
	fs, err := NewFileStore(dir, testStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewAtomicFileStore(fs)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir, clock
}

// recordNames lists dir without its lock files.
func recordNames(t *testing.T, dir string) []string {
	var names []string
	for _, name := range dirNames(t, dir) {
		if !strings.HasPrefix(name, "lock-") {
			names = append(names, name)
		}
	}
	return names
}

// TestAtomicFileStoreChangesLoseNothingAcrossProcesses: three stores on one
// directory, as three processes would open it, each add to one counter 30
// times from 3 goroutines at once. Every addition is kept. (flock locks
// are held per open file, so stores in one process exclude each other as
// processes do.)
func TestAtomicFileStoreChangesLoseNothingAcrossProcesses(t *testing.T) {
	first, dir, clock := newTestAtomicFileStore(t, "")
	stores := []*AtomicFileStore{first}
	for range 2 {
		s, _, _ := newTestAtomicFileStore(t, dir)
		stores = append(stores, s)
	}
	id, expiry := mustID(t), clock.Now().Add(time.Hour)
	if err := first.Save(id, []byte("0"), expiry); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, s := range stores {
		for range 3 {
			wg.Go(func() {
				for range 30 {
					err := s.Change(context.Background(), id, func(rec []byte, found bool) ([]Write, error) {
						var n int
						if err := json.Unmarshal(rec, &n); err != nil || !found {
							return nil, errors.New("no counter")
						}
						next, _ := json.Marshal(n + 1)
						return []Write{{ID: id, Rec: next, Expiry: expiry}}, nil
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if rec, _, _ := first.Load(id); string(rec) != "270" {
		t.Errorf("the counter is %s, want 270: changes were lost", rec)
	}
}

// TestAtomicFileStoreDeleteIsFinal: a delete waits for a change under way
// in another process, and the change cannot write the record back.
func TestAtomicFileStoreDeleteIsFinal(t *testing.T) {
	a, dir, clock := newTestAtomicFileStore(t, "")
	b, _, _ := newTestAtomicFileStore(t, dir)
	id, expiry := mustID(t), clock.Now().Add(time.Hour)
	if err := a.Save(id, []byte("{}"), expiry); err != nil {
		t.Fatal(err)
	}
	inChange, deleted := make(chan struct{}), make(chan error, 1)
	go func() {
		<-inChange
		deleted <- b.Delete(id)
	}()
	err := a.Change(context.Background(), id, func([]byte, bool) ([]Write, error) {
		close(inChange)
		select {
		case <-deleted:
			t.Error("Delete ended while a change held the session")
		case <-time.After(50 * time.Millisecond):
			// The delete is still waiting: it can only finish after this
			// change. (A wait that passes here proves nothing more; one
			// that fails shows the delete did not wait.)
		}
		return []Write{{ID: id, Rec: []byte(`{"changed":true}`), Expiry: expiry}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-deleted:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Delete did not end after the change")
	}
	if _, found, _ := a.Load(id); found {
		t.Error("the record is back after Delete")
	}
}

// TestAtomicFileStoreLockWaitIsBounded: a change that finds the session
// locked for good gives up with ErrConflict when its context ends.
func TestAtomicFileStoreLockWaitIsBounded(t *testing.T) {
	a, dir, _ := newTestAtomicFileStore(t, "")
	id := mustID(t)
	f, err := os.OpenFile(filepath.Join(dir, lockName(id)), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if locked, err := tryFlock(f); !locked || err != nil {
		t.Fatalf("lock: %v, %v", locked, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = a.Change(ctx, id, func([]byte, bool) ([]Write, error) {
		t.Error("fn ran without the lock")
		return nil, nil
	})
	if !errors.Is(err, ErrConflict) {
		t.Errorf("Change on a locked session: %v, want ErrConflict", err)
	}
}

func TestLockNamesAreFewAndStable(t *testing.T) {
	names := make(map[string]bool)
	for range 2000 {
		id := mustID(t)
		name := lockName(id)
		if name != lockName(id) || len(name) != len("lock-00") {
			t.Fatalf("lockName(%q) = %q", id, name)
		}
		names[name] = true
	}
	if len(names) > 256 {
		t.Errorf("%d lock names, want at most 256", len(names))
	}
}

// TestAtomicFileStoreWritesThroughTheStoreItWraps: on an IndexedFileStore,
// the changes go through its Save, so the sessions they log in are filed,
// and its EndSessions ends them.
func TestAtomicFileStoreWritesThroughTheStoreItWraps(t *testing.T) {
	files, dir, clock := newTestFileStore(t)
	indexed, err := NewIndexedFileStore(files)
	if err != nil {
		t.Fatal(err)
	}
	store, err := NewAtomicFileStore(indexed)
	if err != nil {
		t.Fatal(err)
	}
	a := newAppOn(t, store, clock)
	c := a.login()
	a.serve(c, func(s *Session) {
		if err := s.Update(func(v *Values) error { return v.FileUnder("person alice") }); err != nil {
			t.Fatal(err)
		}
	})
	if n, err := store.EndSessions(context.Background(), "person alice"); n != 1 || err != nil {
		t.Fatalf("EndSessions = %d, %v; want the one session", n, err)
	}
	if exists, _ := a.visit(c); exists {
		t.Error("the session outlived EndSessions")
	}
	if _, err := NewAtomicFileStore(newMapStore()); err == nil {
		t.Error("a store of no directory was made atomic")
	}
	plain, _, _ := newTestAtomicFileStore(t, dir)
	if _, err := plain.EndSessions(context.Background(), "person alice"); err == nil {
		t.Error("EndSessions on a store without an index did not fail")
	}
}
