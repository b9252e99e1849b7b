package redisstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"oauthlogin/session"
)

// TestRedisChangeIsCompareAndSet: when another client changes the record
// while fn runs, the change is not applied over it: fn runs again on the
// new record, and both changes survive.
func TestRedisChangeIsCompareAndSet(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	s, other := r.openStore(clock), r.openStore(clock)
	id, expiry := mustID(t), clock().Add(time.Hour)
	if err := s.Save(id, []byte("a"), expiry); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err := s.Change(context.Background(), id, func(rec []byte, found bool) ([]session.Write, error) {
		calls++
		if calls == 1 {
			if err := other.Save(id, append(rec, 'b'), expiry); err != nil {
				t.Fatal(err)
			}
		}
		return []session.Write{{ID: id, Rec: append(rec, 'c'), Expiry: expiry}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("fn ran %d times, want 2", calls)
	}
	if b, _, _ := s.Load(id); string(b) != "abc" {
		t.Errorf("record %q, want %q: one change was lost", b, "abc")
	}
}

// TestRedisChangeNeverWritesBackADeletedRecord: a delete by another client
// while fn runs makes fn run again and find no record.
func TestRedisChangeNeverWritesBackADeletedRecord(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	s, other := r.openStore(clock), r.openStore(clock)
	id, expiry := mustID(t), clock().Add(time.Hour)
	if err := s.Save(id, []byte("a"), expiry); err != nil {
		t.Fatal(err)
	}
	var seen []bool
	err := s.Change(context.Background(), id, func(rec []byte, found bool) ([]session.Write, error) {
		seen = append(seen, found)
		if len(seen) == 1 {
			if err := other.Delete(id); err != nil {
				t.Fatal(err)
			}
		}
		if !found {
			return nil, nil
		}
		return []session.Write{{ID: id, Rec: []byte("changed"), Expiry: expiry}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[true false]" {
		t.Errorf("fn saw found = %v, want [true false]", seen)
	}
	if _, found, _ := s.Load(id); found {
		t.Error("the deleted record was written back")
	}
}

// contendedStores opens a store whose Change is bounded by timeout, and
// another client of the same Redis to change its records meanwhile, with
// a new session ID and an expiry for the tests of conflicts.
func contendedStores(t *testing.T, timeout time.Duration) (s, other *Store, id string, expiry time.Time) {
	t.Helper()
	r := startRedis(t, false)
	clock := frozenClock()
	opts := r.options(clock)
	opts.Timeout = timeout
	s, err := New(context.Background(), testStoreKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, r.openStore(clock), mustID(t), clock().Add(time.Hour)
}

// TestRedisChangeCutShortAfterConflictsIsAConflict: when Timeout runs out
// in the middle of a try that follows a conflict (here fn is slow on its
// second call), the error says the conflicts outlasted it, as when it
// runs out between tries, and nothing is applied.
func TestRedisChangeCutShortAfterConflictsIsAConflict(t *testing.T) {
	timeout := 100 * time.Millisecond
	s, other, id, expiry := contendedStores(t, timeout)
	calls := 0
	err := s.Change(context.Background(), id, func([]byte, bool) ([]session.Write, error) {
		calls++
		if calls == 1 {
			if err := other.Save(id, []byte("theirs"), expiry); err != nil {
				t.Fatal(err)
			}
		} else {
			<-time.After(2 * timeout) // a slow step, past the bound
		}
		return []session.Write{{ID: id, Rec: []byte("mine"), Expiry: expiry}}, nil
	})
	if !errors.Is(err, session.ErrConflict) || calls != 2 {
		t.Fatalf("Change = %v after %d calls of fn, want ErrConflict after 2", err, calls)
	}
	if b, _, _ := other.Load(id); string(b) != "theirs" {
		t.Errorf("the record is %q, want the other client's", b)
	}
}

// TestRedisChangeGivesUpAfterBoundedConflicts: a record that keeps
// changing makes Change give up with ErrConflict once its Timeout is
// spent, not loop forever, and apply nothing over the conflict.
func TestRedisChangeGivesUpAfterBoundedConflicts(t *testing.T) {
	s, other, id, expiry := contendedStores(t, 300*time.Millisecond)
	calls := 0
	err := s.Change(context.Background(), id, func([]byte, bool) ([]session.Write, error) {
		calls++
		if err := other.Save(id, fmt.Appendf(nil, "%d", calls), expiry); err != nil {
			t.Fatal(err)
		}
		return []session.Write{{ID: id, Rec: []byte("mine"), Expiry: expiry}}, nil
	})
	if !errors.Is(err, session.ErrConflict) {
		t.Fatalf("Change = %v, want ErrConflict", err)
	}
	if calls < 2 {
		t.Errorf("fn ran %d times; a conflict must be tried again", calls)
	}
	if b, _, _ := s.Load(id); string(b) == "mine" {
		t.Error("a change was applied over a conflict")
	}
}

// TestIssue18_ChangeOutlastsALongConflictStreak: another instance changes
// the record between each of Change's first 15 reads and its write (more
// than the ten tries Change used to allow); Change waits and tries again
// until it gets through, and neither change is lost.
func TestIssue18_ChangeOutlastsALongConflictStreak(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	s, other := r.openStore(clock), r.openStore(clock)
	id, expiry := mustID(t), clock().Add(time.Hour)
	const streak = 15
	calls := 0
	err := s.Change(context.Background(), id, func(rec []byte, _ bool) ([]session.Write, error) {
		calls++
		if calls <= streak {
			if err := other.Save(id, fmt.Appendf(nil, "other %d", calls), expiry); err != nil {
				t.Fatal(err)
			}
		}
		return []session.Write{{ID: id, Rec: append(rec, "+mine"...), Expiry: expiry}}, nil
	})
	if err != nil {
		t.Fatalf("Change after %d conflicts: %v", streak, err)
	}
	if calls != streak+1 {
		t.Errorf("fn ran %d times, want %d", calls, streak+1)
	}
	if b, _, _ := s.Load(id); string(b) != fmt.Sprintf("other %d+mine", streak) {
		t.Errorf("record %q, want the other instance's last change and this one", b)
	}
}

// TestIssue18_PanicInChangeFreesItsConnection: a panic in fn stops a
// Change in the middle of a transaction. Its connection must be closed,
// not pooled again in a state nobody knows, and its slot freed: on a pool
// of two, three such panics used to leave every later operation waiting
// for a connection until its deadline.
func TestIssue18_PanicInChangeFreesItsConnection(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	opts := r.options(clock)
	opts.PoolSize = 2
	opts.Timeout = time.Minute // only the contexts below bound the waits
	s, err := New(context.Background(), testStoreKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := mustID(t)
	for i := range 3 {
		func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			defer func() {
				if recover() == nil {
					t.Errorf("Change %d: fn did not run, or its panic was swallowed", i)
				}
			}()
			err := s.Change(ctx, id, func([]byte, bool) ([]session.Write, error) { panic("a bug in fn") })
			t.Errorf("Change %d returned %v instead of panicking", i, err)
		}()
	}
	if n := len(s.pool.idle); n != 0 {
		t.Errorf("%d connections went back to the pool after a panic", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := s.LoadContext(ctx, id); err != nil {
		t.Errorf("Load after the panics: %v", err)
	}
}

// TestRedisChangeAppliesAllOrNothing: fn's error comes back as it is and
// nothing is written; writes to two keys happen together.
func TestRedisChangeAppliesAllOrNothing(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	s := r.openStore(clock)
	oldID, newID, expiry := mustID(t), mustID(t), clock().Add(time.Hour)
	if err := s.Save(oldID, []byte("old"), expiry); err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	err := s.Change(context.Background(), oldID, func([]byte, bool) ([]session.Write, error) {
		return []session.Write{{ID: newID, Rec: []byte("new"), Expiry: expiry}}, errStop
	})
	if err != errStop {
		t.Fatalf("Change = %v, want fn's error as it is", err)
	}
	if _, found, _ := s.Load(newID); found {
		t.Error("a write was applied although fn failed")
	}
	err = s.Change(context.Background(), oldID, func(rec []byte, _ bool) ([]session.Write, error) {
		return []session.Write{{ID: newID, Rec: rec, Expiry: expiry}, {ID: oldID}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, found, _ := s.Load(newID); !found || string(b) != "old" {
		t.Errorf("new ID holds %q, %v", b, found)
	}
	if _, found, _ := s.Load(oldID); found {
		t.Error("old ID kept its record")
	}
}
