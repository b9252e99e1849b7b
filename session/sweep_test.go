package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeAged creates a file named name in dir with the given mtime.
func writeAged(t *testing.T, dir, name string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// TestChecklist45_SweepRemovesOnlyExpiredRecordsAndStaleTemps: the sweep
// reclaims expired records and crash leftovers, keeps live records and
// writes in progress, and leaves files that are not its own alone.
func TestChecklist45_SweepRemovesOnlyExpiredRecordsAndStaleTemps(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	live, expired := mustID(t), mustID(t)
	if err := s.Save(live, []byte("{}"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(expired, []byte("{}"), clock.Now().Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Minute) // expired is now at its expiry
	now := clock.Now()
	longAgo := now.Add(-365 * 24 * time.Hour)

	staleTemp := fmt.Sprintf("tmp-%d-0123456789abcdef", now.Add(-2*time.Minute).UnixNano())
	freshTemp := fmt.Sprintf("tmp-%d-fedcba9876543210", now.Add(-10*time.Second).UnixNano())
	writeAged(t, dir, staleTemp, longAgo)
	writeAged(t, dir, freshTemp, longAgo) // its name, not its mtime, tells its age
	foreign := []string{"README", "tmp-garbage", strings.Repeat("AB", 32), strings.Repeat("a", 63)}
	for _, name := range foreign {
		writeAged(t, dir, name, longAgo)
	}
	for _, name := range []string{strings.Repeat("c", 64), "tmp-1-00", "subdir"} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(filepath.Join(dir, name), longAgo, longAgo); err != nil {
			t.Fatal(err)
		}
		foreign = append(foreign, name)
	}

	removed, err := s.Sweep()
	if err != nil {
		t.Fatal(err)
	}
	if removed != 2 {
		t.Errorf("Sweep removed %d, want 2", removed)
	}
	want := append([]string{hmacHex(testStoreKey, live), freshTemp}, foreign...)
	slices.Sort(want)
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("after Sweep the dir holds\n%q\nwant\n%q", got, want)
	}
	if _, found, err := s.Load(live); !found || err != nil {
		t.Errorf("live record: found %v, err %v", found, err)
	}
}

// TestSweepReadsTheWholeDirectory: the sweep reads the listing in batches
// and gets through all of them.
func TestSweepReadsTheWholeDirectory(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	n := sweepBatch + 7 // two batches
	past := clock.Now().Add(-time.Minute)
	for i := range n {
		writeAged(t, dir, fmt.Sprintf("%064x", i), past)
	}
	live := mustID(t)
	if err := s.Save(live, []byte("{}"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	removed, err := s.Sweep()
	if err != nil || removed != n {
		t.Fatalf("Sweep = %d, %v; want %d, nil", removed, err, n)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{hmacHex(testStoreKey, live)}) {
		t.Errorf("left %d files, want only the live record", len(got))
	}
}

// TestRunSweeperSweepsUntilCancelled: the sweeper sweeps on its interval and
// returns once its context is cancelled.
func TestRunSweeperSweepsUntilCancelled(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	writeAged(t, dir, strings.Repeat("e", 64), clock.Now().Add(-time.Minute))

	logs := newLogRecorder()
	logs.notify = make(chan logEntry, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunSweeper(ctx, time.Millisecond, logs.logger())
	}()

	deadline := time.After(10 * time.Second) // a failure bound, not a wait
	for swept := false; !swept; {
		select {
		case e := <-logs.notify:
			swept = e.msg == "session sweep" && e.attrs["removed"] == "1"
		case <-deadline:
			t.Fatalf("no sweep that removed the expired file; logs %v", logs.all())
		}
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("after the sweep the dir holds %q", names)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunSweeper did not return after cancel")
	}
}

// TestRunSweeperReturnsWhenCancelledBeforeFirstTick: cancelling stops the
// sweeper without waiting for its (long) interval.
func TestRunSweeperReturnsWhenCancelledBeforeFirstTick(t *testing.T) {
	s, _, _ := newTestFileStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunSweeper(ctx, time.Hour, newLogRecorder().logger())
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunSweeper did not return after cancel")
	}
}
