package session

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startWithDeadline starts a session holding a pending login that must end
// at deadline, as a login in progress does, and returns its cookie.
func (a *testApp) startWithDeadline(deadline time.Time) *http.Cookie {
	a.t.Helper()
	rec := a.serve(nil, func(s *Session) {
		err := s.UpdateEphemeral(func(v *Values) error {
			v.SetDeadline(deadline)
			return v.Put("pending", "state-123")
		})
		if err != nil {
			a.t.Errorf("UpdateEphemeral: %v", err)
		}
	})
	c := a.setCookie(rec)
	if c == nil {
		a.t.Fatal("no session cookie")
	}
	return c
}

// expiryStamp is the expiry the FileStore was given for the session of c:
// its file's modification time, which the sweep goes by.
func (a *testApp) expiryStamp(c *http.Cookie) time.Time {
	a.t.Helper()
	info, err := os.Stat(a.recordPath(c.Value))
	if err != nil {
		a.t.Fatal(err)
	}
	return info.ModTime()
}

// TestIssue18_DeadlineEndsSessionHoweverOftenTouched: a session with a
// deadline (a login in progress) ends at it, although a request every two
// minutes records activity each time and keeps the idle timeout from ever
// running out. The record is removed, and the log says why.
func TestIssue18_DeadlineEndsSessionHoweverOftenTouched(t *testing.T) {
	for _, kind := range expiryStores {
		t.Run(string(kind), func(t *testing.T) {
			a := newApp(t, kind, nil) // idle 30 minutes, absolute 8 hours
			c := a.startWithDeadline(a.clock.Now().Add(10 * time.Minute))
			before := a.store.saves.Load()
			for range 4 {
				a.clock.Advance(2 * time.Minute)
				if exists, _ := a.visit(c); !exists {
					t.Fatal("session gone before its deadline")
				}
			}
			if touches := a.store.saves.Load() - before; touches != 4 {
				t.Fatalf("%d touches, want one per visit", touches)
			}
			a.clock.Advance(2 * time.Minute) // at the deadline
			if exists, _ := a.visit(c); exists {
				t.Fatal("session alive at its deadline")
			}
			if a.hasRecord(c.Value) {
				t.Error("the record past its deadline was not removed")
			}
			logged := a.logs.events("session_expired")
			if len(logged) != 1 || logged[0].attrs["reason"] != "deadline" {
				t.Errorf("session_expired records %v, want one with reason=deadline", logged)
			}
		})
	}
}

// TestIssue18_DeadlineBoundsTheStoredExpiry: the expiry a store is given
// is the earliest of the idle timeout, the absolute timeout and the
// deadline, the last in whole seconds and never later than asked for.
func TestIssue18_DeadlineBoundsTheStoredExpiry(t *testing.T) {
	a := newApp(t, fileKind, func(o *Options) {
		o.IdleTimeout = 30 * time.Minute
		o.AbsoluteTimeout = 20 * time.Minute // shorter than idle, to tell them apart
	})
	start := a.clock.Now()
	for _, tt := range []struct {
		name           string
		deadline, want time.Time
	}{
		{"deadline first", start.Add(10*time.Minute + 900*time.Millisecond), start.Add(10 * time.Minute)},
		{"absolute timeout first", start.Add(25 * time.Minute), start.Add(20 * time.Minute)},
		{"no deadline", time.Time{}, start.Add(20 * time.Minute)},
	} {
		c := a.startWithDeadline(tt.deadline)
		if got := a.expiryStamp(c); !got.Equal(tt.want) {
			t.Errorf("%s: expiry %v after the start, want %v", tt.name, got.Sub(start), tt.want.Sub(start))
		}
	}
}

// TestIssue18_DeadlineTouchNeverExtendsTheExpiry: a visit that records
// activity rewrites the record, but its expiry stays at the deadline.
func TestIssue18_DeadlineTouchNeverExtendsTheExpiry(t *testing.T) {
	a := newApp(t, fileKind, nil)
	deadline := a.clock.Now().Add(10 * time.Minute)
	c := a.startWithDeadline(deadline)
	for range 3 {
		a.clock.Advance(2 * time.Minute)
		before := a.store.saves.Load()
		a.visit(c)
		if a.store.saves.Load() == before {
			t.Fatal("the visit recorded no activity")
		}
		if got := a.expiryStamp(c); !got.Equal(deadline) {
			t.Fatalf("expiry moved to %v, want the deadline %v", got, deadline)
		}
	}
}

// TestIssue18_SweepRemovesRecordsPastTheirDeadline: the sweep reclaims a
// record once its deadline has passed, long before its idle timeout.
func TestIssue18_SweepRemovesRecordsPastTheirDeadline(t *testing.T) {
	a := newApp(t, fileKind, nil)
	pending := a.startWithDeadline(a.clock.Now().Add(5 * time.Minute))
	loggedIn := a.login()
	a.clock.Advance(5 * time.Minute)
	removed, err := a.store.Store.(*FileStore).Sweep()
	if err != nil {
		t.Fatal(err)
	}
	if removed != 1 || a.hasRecord(pending.Value) {
		t.Errorf("Sweep removed %d; the record past its deadline is there: %v", removed, a.hasRecord(pending.Value))
	}
	if !a.hasRecord(loggedIn.Value) {
		t.Error("Sweep removed a live session")
	}
}

// TestIssue18_RenewKeepsTheDeadlineFnLeaves: a renewal keeps the
// deadline, unless fn removes it, as a login that succeeds does.
func TestIssue18_RenewKeepsTheDeadlineFnLeaves(t *testing.T) {
	for name, fn := range map[string]func(*Values) error{
		"kept":    keepAll,
		"removed": func(v *Values) error { v.SetDeadline(time.Time{}); return nil },
	} {
		t.Run(name, func(t *testing.T) {
			a := newApp(t, fileKind, nil)
			c := a.startWithDeadline(a.clock.Now().Add(10 * time.Minute))
			renewed := a.setCookie(a.serve(c, func(s *Session) {
				if err := s.Renew(fn); err != nil {
					t.Fatal(err)
				}
			}))
			if renewed == nil || renewed.Value == c.Value {
				t.Fatalf("Renew set cookie %v", renewed)
			}
			a.clock.Advance(10 * time.Minute)
			exists, _ := a.visit(renewed)
			if want := name == "removed"; exists != want {
				t.Errorf("at the old deadline the renewed session exists: %v, want %v", exists, want)
			}
		})
	}
}

// TestIssue18_DeadlineIsNotAValue: a deadline is kept beside the record's
// times, not among its values (Len and Get do not see it), and a record
// without one has no trace of it. Setting the deadline it already has
// writes nothing; a deadline alone starts no session.
func TestIssue18_DeadlineIsNotAValue(t *testing.T) {
	a := newApp(t, fileKind, nil)
	deadline := a.clock.Now().Add(10 * time.Minute)

	plain := a.login()
	withDeadline := a.startWithDeadline(deadline)
	for c, want := range map[*http.Cookie]string{plain: "", withDeadline: `"deadline":` + strconv.FormatInt(deadline.Unix(), 10)} {
		b, err := os.ReadFile(a.recordPath(c.Value))
		if err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(string(b), `"deadline"`); has != (want != "") || !strings.Contains(string(b), want) {
			t.Errorf("record %s, want a deadline: %v", b, want != "")
		}
	}

	a.store.reset()
	a.serve(withDeadline, func(s *Session) {
		err := s.Update(func(v *Values) error {
			if n := v.Len(); n != 1 {
				t.Errorf("Len = %d, want 1: the pending login alone", n)
			}
			if ok, _ := v.Get("deadline", new(int64)); ok {
				t.Error("Get finds the deadline among the values")
			}
			v.SetDeadline(deadline)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	if n := a.store.saves.Load(); n != 0 {
		t.Errorf("setting the same deadline again made %d saves, want 0", n)
	}

	rec := a.serve(nil, func(s *Session) {
		if err := s.Update(func(v *Values) error { v.SetDeadline(deadline); return nil }); err != nil {
			t.Error(err)
		}
		if s.Exists() {
			t.Error("a deadline alone started a session")
		}
	})
	if c := a.setCookie(rec); c != nil {
		t.Errorf("cookie %v set for a session with nothing in it", c)
	}
}
