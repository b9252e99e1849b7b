package redisstore

// The index of sessions by term (index.go), on a real redis-server, with
// two instances of an application sharing it.

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"oauthlogin/session"
)

// loginFiled logs a new visitor in on in, as a login does (a session
// renewed in one Change), filed under terms, and returns the cookie.
func (in *instance) loginFiled(terms ...string) *http.Cookie {
	in.t.Helper()
	c := in.login()
	rec := in.serve(c, func(s *session.Session) {
		if err := s.Renew(func(v *session.Values) error { return v.FileUnder(terms...) }); err != nil {
			in.t.Fatal(err)
		}
	})
	return in.setCookie(rec)
}

func endSessions(t *testing.T, s *Store, term string) int {
	t.Helper()
	n, err := s.EndSessions(context.Background(), term)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRedisIndexEndsSessionsOnEveryInstance: sessions logged in on two
// instances are ended from one of them, by provider session and then by
// person, and nobody else's ends.
func TestRedisIndexEndsSessionsOnEveryInstance(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	storeA, storeB := r.openStore(clock), r.openStore(clock)
	a, b := newInstance(t, storeA, clock), newInstance(t, storeB, clock)
	phone := a.loginFiled("person alice", "sid s1")
	laptop := b.loginFiled("person alice", "sid s2")
	bob := a.loginFiled("person bob")

	if n := endSessions(t, storeB, "sid s1"); n != 1 {
		t.Errorf("ending sid s1 ended %d", n)
	}
	if exists, _ := a.visit(phone); exists {
		t.Error("the phone's session outlived its provider session")
	}
	if exists, _ := b.visit(laptop); !exists {
		t.Fatal("the laptop's session ended with the phone's provider session")
	}
	if n := endSessions(t, storeA, "person alice"); n != 1 {
		t.Errorf("ending alice ended %d, want the laptop's", n)
	}
	if exists, _ := b.visit(laptop); exists {
		t.Error("the laptop's session outlived ending alice's sessions")
	}
	if exists, _ := a.visit(bob); !exists {
		t.Error("bob's session ended with alice's")
	}
}

// TestRedisIndexStaleEntryEndsNoOtherSession: a member of alice's set
// that names bob's record does not end bob's session.
func TestRedisIndexStaleEntryEndsNoOtherSession(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	store := r.openStore(clock)
	a := newInstance(t, store, clock)
	a.loginFiled("person alice")
	bob := a.loginFiled("person bob")
	bobName := string(store.key(bob.Value)[len(store.prefix):])
	r.do("ZADD", string(store.indexKey("person alice")), "1e15", bobName)
	if n := endSessions(t, store, "person alice"); n != 1 {
		t.Errorf("ended %d, want alice's 1", n)
	}
	if exists, _ := a.visit(bob); !exists {
		t.Fatal("a stale member of alice's set ended bob's session")
	}
}

// TestRedisIndexBoundsTheSessionsOfATerm: the MaxIndexed+1-th login of
// one person ends the session that expires first, and the set expires
// with its last session.
func TestRedisIndexBoundsTheSessionsOfATerm(t *testing.T) {
	r := startRedis(t, false)
	start := time.Now()
	var offset time.Duration
	clock := func() time.Time { return start.Add(offset) }
	store := r.openStore(clock)
	a := newInstance(t, store, clock)
	cookies := make([]*http.Cookie, session.MaxIndexed+1)
	for i := range cookies {
		cookies[i] = a.loginFiled("person alice")
		offset += time.Second // later logins expire later
	}
	if exists, _ := a.visit(cookies[0]); exists {
		t.Error("the session that expires first outlived the bound")
	}
	if exists, _ := a.visit(cookies[1]); !exists {
		t.Error("a session within the bound ended")
	}
	if ttl := r.do("PTTL", string(store.indexKey("person alice"))); ttl.num <= 0 {
		t.Errorf("the index set has PTTL %d: it would never expire", ttl.num)
	}
	if n := endSessions(t, store, "person alice"); n != session.MaxIndexed {
		t.Errorf("ended %d, want %d", n, session.MaxIndexed)
	}
}

// TestRedisFirstUseIsSharedByInstances: a name used on one instance is
// used on the other too, until its time is up.
func TestRedisFirstUseIsSharedByInstances(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	a, b := r.openStore(clock), r.openStore(clock)
	until := clock().Add(time.Minute)
	for i, want := range []bool{true, false} {
		s := []*Store{a, b}[i]
		first, err := s.FirstUse(context.Background(), "issuer jti-1", until)
		if err != nil || first != want {
			t.Fatalf("use %d: first %v, err %v; want %v", i+1, first, err, want)
		}
	}
	if ttl := r.do("PTTL", r.keys()[0]); ttl.num <= 0 || ttl.num > time.Minute.Milliseconds() {
		t.Errorf("the used name lives %s ms, want at most a minute", strconv.FormatInt(ttl.num, 10))
	}
}

// TestRedisIndexFindsSessionsFiledBeforeAKeyRotation: a session filed
// under the previous key is ended by a store on the new key that accepts
// the previous one.
func TestRedisIndexFindsSessionsFiledBeforeAKeyRotation(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	a := newInstance(t, r.openStore(clock), clock)
	alice := a.loginFiled("person alice")
	opts := r.options(clock)
	opts.PreviousKeys = [][]byte{testStoreKey}
	rotated, err := New(context.Background(), []byte("the new key of the redis store!!"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rotated.Close() })
	if n := endSessions(t, rotated, "person alice"); n != 1 {
		t.Fatalf("ended %d after the rotation, want the session filed before it", n)
	}
	if exists, _ := a.visit(alice); exists {
		t.Fatal("the session filed before the rotation outlived ending its person")
	}
}

// TestRedisIndexFilesASessionSavedOutsideAChange: a session whose first
// write files it (a Renew without a session before, a plain Save) is in
// the index too.
func TestRedisIndexFilesASessionSavedOutsideAChange(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	store := r.openStore(clock)
	a := newInstance(t, store, clock)
	c := a.setCookie(a.serve(nil, func(s *session.Session) {
		if err := s.Renew(func(v *session.Values) error { return v.FileUnder("person alice") }); err != nil {
			t.Fatal(err)
		}
	}))
	if n := endSessions(t, store, "person alice"); n != 1 {
		t.Fatalf("ended %d, want the session saved outside a Change", n)
	}
	if exists, _ := a.visit(c); exists {
		t.Fatal("the session outlived ending its person")
	}
}
