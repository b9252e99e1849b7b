package redisstore

// The store under a session.Manager: one instance's whole life cycle of a
// session, and two instances of an application sharing one Redis.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"oauthlogin/session"
)

// TestManagerOnRedisStore: the Manager's whole life cycle of a session
// (start, change, renew, destroy) works on the store, and leaves no key
// behind.
func TestManagerOnRedisStore(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	a := newInstance(t, r.openStore(clock), clock)
	c := a.login()
	a.serve(c, func(s *session.Session) {
		if err := s.Update(put("cart", "book")); err != nil {
			t.Fatal(err)
		}
	})
	renewed := a.setCookie(a.serve(c, func(s *session.Session) {
		if err := s.Renew(keepAll); err != nil {
			t.Fatal(err)
		}
	}))
	if exists, _ := a.visit(c); exists {
		t.Error("the old ID still names a session after Renew")
	}
	a.serve(renewed, func(s *session.Session) {
		var cart string
		if _, err := s.Get("cart", &cart); err != nil || cart != "book" {
			t.Errorf("cart %q, err %v after Renew", cart, err)
		}
		if err := s.Destroy(); err != nil {
			t.Fatal(err)
		}
	})
	if exists, _ := a.visit(renewed); exists {
		t.Error("the session outlived Destroy")
	}
	if keys := r.keys(); len(keys) != 0 {
		t.Errorf("keys left: %q", keys)
	}
}

// redisInstances are two Managers on one Redis, each with a store (and a
// connection pool and locks) of its own: two instances of an application.
func redisInstances(t *testing.T) (a, b *instance) {
	t.Helper()
	r := startRedis(t, false)
	clock := frozenClock()
	return newInstance(t, r.openStore(clock), clock), newInstance(t, r.openStore(clock), clock)
}

// TestRedisTwoInstancesKeepBothPendingLogins: two tabs start a login at
// the same moment on two instances; both pending logins are kept.
func TestRedisTwoInstancesKeepBothPendingLogins(t *testing.T) {
	a, b := redisInstances(t)
	c := a.login()
	calls := 0
	a.serve(c, func(s *session.Session) {
		err := s.Update(func(v *session.Values) error {
			calls++
			if calls == 1 {
				// The other tab's request lands on the other instance
				// between this one's read and write.
				b.serve(c, func(s *session.Session) {
					if err := s.Update(put("login-tab-2", "state2")); err != nil {
						t.Error(err)
					}
				})
			}
			return v.Put("login-tab-1", "state1")
		})
		if err != nil {
			t.Error(err)
		}
	})
	a.serve(c, func(s *session.Session) {
		for _, key := range []string{"login-tab-1", "login-tab-2", "user"} {
			if ok, _ := s.Get(key, new(string)); !ok {
				t.Errorf("%s was lost", key)
			}
		}
	})
}

// TestRedisLogoutOnOneInstanceIsNeverUndone: a logout on one instance
// while another instance is changing the session: the change does not
// bring the session back, on either instance.
func TestRedisLogoutOnOneInstanceIsNeverUndone(t *testing.T) {
	a, b := redisInstances(t)
	c := a.login()
	calls := 0
	rec := a.serve(c, func(s *session.Session) {
		err := s.Update(func(v *session.Values) error {
			calls++
			if calls == 1 {
				b.serve(c, func(s *session.Session) {
					if err := s.Destroy(); err != nil {
						t.Error(err)
					}
				})
			}
			return v.Put("cart", "book")
		})
		if err != nil {
			t.Error(err)
		}
	})
	for _, app := range []*instance{a, b} {
		if exists, user := app.visit(c); exists {
			t.Errorf("the logged-out cookie names a session again (user %q)", user)
		}
	}
	fresh := a.setCookie(rec)
	if fresh == nil || fresh.Value == c.Value {
		t.Fatalf("cookie %v, want a new session for the late change", fresh)
	}
	if exists, user := b.visit(fresh); !exists || user != "" {
		t.Errorf("new session: exists %v, user %q; want one without the old user", exists, user)
	}
}

// TestRedisTwoInstancesParallelUpdatesLoseNothing: 2 instances × 10
// requests of one session each add a key at once; all 20 are kept. Each
// instance queues its own 10; the two queues conflict on the server, and
// a change that lost waits a random moment before it tries again, for as
// long as its timeout allows (issue 18: ten immediate retries were not
// always enough on a busy machine).
func TestRedisTwoInstancesParallelUpdatesLoseNothing(t *testing.T) {
	a, b := redisInstances(t)
	c := a.login()
	var wg sync.WaitGroup
	for i := range 20 {
		app := []*instance{a, b}[i%2]
		wg.Go(func() {
			app.serve(c, func(s *session.Session) {
				if err := s.Update(put(fmt.Sprintf("key%d", i), i)); err != nil {
					t.Error(err)
				}
			})
		})
	}
	wg.Wait()
	a.serve(c, func(s *session.Session) {
		for i := range 20 {
			if ok, _ := s.Get(fmt.Sprintf("key%d", i), new(int)); !ok {
				t.Errorf("key%d was lost", i)
			}
		}
	})
}

// retryCounter is a Store that counts how often a Change called its fn
// more than once: each extra call is a conflict on the server.
type retryCounter struct {
	*Store
	retries atomic.Int64
}

func (s *retryCounter) Change(ctx context.Context, id string, fn func([]byte, bool) ([]session.Write, error)) error {
	calls := 0
	return s.Store.Change(ctx, id, func(rec []byte, found bool) ([]session.Write, error) {
		if calls++; calls > 1 {
			s.retries.Add(1)
		}
		return fn(rec, found)
	})
}

// TestIssue18_OneInstanceQueuesChangesOfOneSession: within one instance,
// changes to one session queue behind the Manager's per-session lock, as
// they do with files, also when the store is atomic: 20 parallel updates
// of one session on one instance never conflict on the server, so none
// has to try twice.
func TestIssue18_OneInstanceQueuesChangesOfOneSession(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	store := &retryCounter{Store: r.openStore(clock)}
	a := newInstance(t, store, clock)
	c := a.login()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			a.serve(c, func(s *session.Session) {
				if err := s.Update(put(fmt.Sprintf("key%d", i), i)); err != nil {
					t.Error(err)
				}
			})
		})
	}
	wg.Wait()
	if n := store.retries.Load(); n != 0 {
		t.Errorf("%d changes conflicted within one instance; want them queued", n)
	}
}

// TestRedisForeignValueIsNoSession: whatever else is found under a
// session's key (garbage, a value too large, another type) is no session,
// and no error.
func TestRedisForeignValueIsNoSession(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	a := newInstance(t, r.openStore(clock), clock)
	for name, plant := range map[string][]string{
		"garbage":  {"SET", "", "not json"},
		"too big":  {"SET", "", strings.Repeat("{", session.MaxRecordSize+1)},
		"a list":   {"RPUSH", "", "x"},
		"a hash":   {"HSET", "", "f", "v"},
		"an empty": {"SET", "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			id := mustID(t)
			plant[1] = "session:" + hmacHex(testStoreKey, id)
			r.do(plant...)
			if exists, _ := a.visit(a.cookie(id)); exists {
				t.Error("a session was made of it")
			}
			// A new session can still start under that cookie's visitor.
			a.serve(a.cookie(id), func(s *session.Session) {
				if err := s.Update(put("user", "bob")); err != nil {
					t.Error(err)
				}
			})
		})
	}
}
