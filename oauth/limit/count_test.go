package limit

import (
	"testing"
	"time"
)

// TestPendingLimitCount is what the pending-logins gauge reads: the
// starts that count, less those released, until they leave the window;
// reading it changes nothing.
func TestPendingLimitCount(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &PendingLimit{Max: 3, Window: 10 * time.Minute}
	if n := l.Count(now); n != 0 {
		t.Errorf("Count before any start = %d", n)
	}
	for range 3 {
		if !l.Allow(now) {
			t.Fatal("a start refused under Max")
		}
	}
	l.Release(now)
	for range 5 {
		if n := l.Count(now); n != 2 {
			t.Fatalf("Count = %d, want 2: three starts, one released", n)
		}
	}
	if !l.Allow(now) || l.Allow(now) {
		t.Error("Count changed what Allow allows")
	}
	if n := l.Count(now.Add(l.Window + 2*time.Minute)); n != 0 {
		t.Errorf("Count past the window = %d, want 0", n)
	}
}
