package limit

import (
	"testing"
	"time"
)

func TestPendingLimitBoundsRecordsInItsWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &PendingLimit{Max: 100, Window: 15 * time.Minute}
	// 6,000 starts, one every 0.2 s, over 20 minutes: at no point may the
	// starts allowed within one window, each of which may make a record,
	// exceed Max.
	var allowed []time.Time
	for range 6_000 {
		if l.Allow(now) {
			allowed = append(allowed, now)
		}
		now = now.Add(200 * time.Millisecond)
	}
	for i := range allowed {
		inWindow := 0
		for _, at := range allowed[i:] {
			if at.Sub(allowed[i]) < 15*time.Minute {
				inWindow++
			}
		}
		if inWindow > 100 {
			t.Fatalf("%d starts allowed within 15 minutes of %v; the bound is 100", inWindow, allowed[i])
		}
	}
	// Once the window has passed, new visitors get in again.
	if len(allowed) <= 100 {
		t.Errorf("allowed %d in 20 minutes; after the first window more should have been", len(allowed))
	}
}

// The login reads the clock a moment after Allow does, so a start counted
// at the end of one minute may be stamped, and later released, in the
// next; the release then takes the count of another start of that next
// minute. The count left behind must last until that other start's record
// can be gone.
func TestPendingLimitReleaseStampedInTheNextMinute(t *testing.T) {
	l := &PendingLimit{Max: 2, Window: 15 * time.Minute}
	minute := time.Unix(1_700_000_000, 0).Truncate(time.Minute)
	first := minute.Add(59*time.Second + 999*time.Millisecond)
	other := minute.Add(time.Minute + 59*time.Second)
	if !l.Allow(first) || !l.Allow(other) {
		t.Fatal("the first two starts refused")
	}
	l.Release(first.Add(time.Millisecond)) // as the login stamped it
	// The other start's record can last until other + Window: until
	// then, one more start may count, not two.
	at := other.Add(l.Window - time.Second)
	if !l.Allow(at) {
		t.Fatal("no room for a start, with one of two released")
	}
	if l.Allow(at) {
		t.Error("two more starts allowed while the other start's record can still be there")
	}
}

// A finished login gives its place back: a site where many people log in
// never reaches the bound, which is for logins left unfinished.
func TestPendingLimitReleasesFinishedLogins(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &PendingLimit{Max: 10, Window: 15 * time.Minute}
	for i := range 1000 {
		if !l.Allow(now) {
			t.Fatalf("login %d refused, though every earlier one finished", i+1)
		}
		l.Release(now)
		now = now.Add(time.Second)
	}
	for range 10 {
		l.Allow(now)
	}
	if l.Allow(now) {
		t.Error("11 unfinished logins allowed with a bound of 10")
	}
	// A release for a minute whose slot has moved on changes nothing.
	l.Release(now.Add(-time.Hour))
	if l.Allow(now) {
		t.Error("a stale release made room")
	}
}
