package session

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// expiryStores: each timeout test runs against both stores. Neither judges
// timeouts on Load: the Manager does, removes the record and logs why.
var expiryStores = []storeKind{fileKind, mapKind}

// TestChecklist34_IdleTimeout: a session survives 29 idle minutes, and each
// visit restarts the idle clock; 31 idle minutes end it and remove the
// record.
func TestChecklist34_IdleTimeout(t *testing.T) {
	for _, kind := range expiryStores {
		t.Run(string(kind), func(t *testing.T) {
			a := newApp(t, kind, func(o *Options) { o.IdleTimeout = 30 * time.Minute })
			c := a.login()

			a.clock.Advance(29 * time.Minute)
			if exists, _ := a.visit(c); !exists {
				t.Fatal("session gone after 29 idle minutes")
			}
			// 58 minutes after login, but 29 after the last visit.
			a.clock.Advance(29 * time.Minute)
			if exists, _ := a.visit(c); !exists {
				t.Fatal("a visit did not restart the idle timeout")
			}

			a.clock.Advance(31 * time.Minute)
			if exists, _ := a.visit(c); exists {
				t.Fatal("session alive after 31 idle minutes")
			}
			if a.hasRecord(c.Value) {
				t.Error("the expired record was not removed")
			}
			logged := a.logs.events("session_expired")
			if len(logged) != 1 || logged[0].attrs["reason"] != "idle" {
				t.Errorf("session_expired records %v, want one with reason=idle", logged)
			}
		})
	}
}

// TestChecklist34_TouchIsThrottled: recording activity costs at most one
// write per minute per session.
func TestChecklist34_TouchIsThrottled(t *testing.T) {
	a := newApp(t, fileKind, nil)
	c := a.login()
	a.store.reset()

	steps := []struct {
		advance   time.Duration
		wantSaves int64
	}{
		{10 * time.Second, 0},
		{40 * time.Second, 0}, // 50 s after the login
		{11 * time.Second, 1}, // 61 s: one touch
		{30 * time.Second, 0}, // 30 s after the touch
		{30 * time.Second, 1}, // 60 s after the touch
	}
	for i, step := range steps {
		a.clock.Advance(step.advance)
		before := a.store.saves.Load()
		if exists, _ := a.visit(c); !exists {
			t.Fatalf("step %d: session gone", i)
		}
		if got := a.store.saves.Load() - before; got != step.wantSaves {
			t.Errorf("step %d: %d saves, want %d", i, got, step.wantSaves)
		}
	}
}

// TestIssue18_ShortIdleTimeoutIsHonoured: with an idle timeout of one
// minute, a visitor who clicks every 10 seconds for 5 minutes stays
// logged in, since the last-seen time is then written often enough (every
// quarter of the timeout, not once a minute) for the timeout to count
// from near the last click; 61 seconds of silence end the session.
func TestIssue18_ShortIdleTimeoutIsHonoured(t *testing.T) {
	for _, kind := range expiryStores {
		t.Run(string(kind), func(t *testing.T) {
			a := newApp(t, kind, func(o *Options) { o.IdleTimeout = time.Minute })
			c := a.login()
			for elapsed := 10 * time.Second; elapsed <= 5*time.Minute; elapsed += 10 * time.Second {
				a.clock.Advance(10 * time.Second)
				if exists, _ := a.visit(c); !exists {
					t.Fatalf("logged out %v into a visit with a click every 10 seconds", elapsed)
				}
			}
			a.clock.Advance(61 * time.Second)
			if exists, _ := a.visit(c); exists {
				t.Error("session alive after 61 idle seconds")
			}
		})
	}
}

// TestChecklist35_AbsoluteTimeout: a session used every 10 minutes still
// ends 8 hours after it began, and its record is removed.
func TestChecklist35_AbsoluteTimeout(t *testing.T) {
	for _, kind := range expiryStores {
		t.Run(string(kind), func(t *testing.T) {
			a := newApp(t, kind, func(o *Options) {
				o.IdleTimeout = 30 * time.Minute
				o.AbsoluteTimeout = 8 * time.Hour
			})
			c := a.login()
			for elapsed := 10 * time.Minute; elapsed < 8*time.Hour; elapsed += 10 * time.Minute {
				a.clock.Advance(10 * time.Minute)
				if exists, _ := a.visit(c); !exists {
					t.Fatalf("session gone after %v of activity", elapsed)
				}
			}
			a.clock.Advance(11 * time.Minute) // 8h01m after login
			if exists, _ := a.visit(c); exists {
				t.Fatal("session alive past the absolute timeout")
			}
			if a.hasRecord(c.Value) {
				t.Error("the expired record was not removed")
			}
			logged := a.logs.events("session_expired")
			if len(logged) != 1 || logged[0].attrs["reason"] != "absolute" {
				t.Errorf("session_expired records %v, want one with reason=absolute", logged)
			}
		})
	}
}

// TestChecklist35_RenewKeepsTheAbsoluteTimeout: a new ID does not restart
// the 8 hours.
func TestChecklist35_RenewKeepsTheAbsoluteTimeout(t *testing.T) {
	a := newApp(t, fileKind, func(o *Options) {
		o.IdleTimeout = 24 * time.Hour // only the absolute timeout matters here
		o.AbsoluteTimeout = 8 * time.Hour
	})
	c0 := a.login()
	created := a.clock.Now()

	a.clock.Advance(7 * time.Hour)
	c1 := a.setCookie(a.serve(c0, func(s *Session) {
		if err := s.Renew(keepAll); err != nil {
			t.Error(err)
		}
	}))
	if c1 == nil || c1.Value == c0.Value {
		t.Fatalf("Renew gave cookie %v", c1)
	}
	b, found, err := a.store.Load(c1.Value)
	if err != nil || !found {
		t.Fatalf("renewed record: found %v, err %v", found, err)
	}
	rec, err := decodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Created != created.Unix() {
		t.Errorf("renewed record created at %v, want %v", time.Unix(rec.Created, 0), created)
	}

	a.clock.Advance(30 * time.Minute)
	if exists, _ := a.visit(c1); !exists {
		t.Fatal("renewed session gone before the absolute timeout")
	}
	a.clock.Advance(31 * time.Minute) // 8h01m after the login
	if exists, _ := a.visit(c1); exists {
		t.Error("Renew extended the absolute timeout")
	}
}

// TestUpdateWithoutChangeWritesNothing: a request that only reads its
// session costs no write.
func TestUpdateWithoutChangeWritesNothing(t *testing.T) {
	a := newApp(t, fileKind, nil)
	c := a.login()
	before, err := os.ReadFile(a.recordPath(c.Value))
	if err != nil {
		t.Fatal(err)
	}
	a.store.reset()
	var user string
	rec := a.serve(c, func(s *Session) {
		err := s.Update(func(v *Values) error {
			_, err := v.Get("user", &user)
			return err
		})
		if err != nil {
			t.Error(err)
		}
	})
	if user != "alice" {
		t.Errorf("Update saw user %q, want alice", user)
	}
	if n := a.store.saves.Load() + a.store.deletes.Load(); n != 0 {
		t.Errorf("%d writes, want 0", n)
	}
	if got := rec.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("Set-Cookie %q, want none", got)
	}
	after, err := os.ReadFile(a.recordPath(c.Value))
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("record changed: %s -> %s (err %v)", before, after, err)
	}
}

// TestChecklist45_AnonymousUpdateStoringNothingCreatesNothing: sessions are
// created lazily, only once there is something to keep.
func TestChecklist45_AnonymousUpdateStoringNothingCreatesNothing(t *testing.T) {
	fns := map[string]func(*Values) error{
		"no-op":    keepAll,
		"get only": func(v *Values) error { _, err := v.Get("user", new(string)); return err },
		"put then delete": func(v *Values) error {
			if err := v.Put("k", 1); err != nil {
				return err
			}
			v.Delete("k")
			return nil
		},
		"delete of a no-key": del("nothing"),
	}
	for name, fn := range fns {
		t.Run(name, func(t *testing.T) {
			a := newApp(t, fileKind, nil)
			rec := a.serve(nil, func(s *Session) {
				if err := s.Update(fn); err != nil {
					t.Error(err)
				}
				if s.Exists() {
					t.Error("session exists after an empty Update")
				}
			})
			if got := rec.Header().Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("Set-Cookie %q, want none", got)
			}
			if names := dirNames(t, a.dir); len(names) != 0 {
				t.Errorf("files %q, want none", names)
			}
			if n := a.store.saves.Load(); n != 0 {
				t.Errorf("%d saves, want 0", n)
			}
		})
	}
}

// TestRemovingLastValueEndsSession: an Update that leaves nothing deletes
// the record and the cookie.
func TestRemovingLastValueEndsSession(t *testing.T) {
	a := newApp(t, fileKind, nil)
	c := a.login()
	rec := a.serve(c, func(s *Session) {
		if err := s.Update(del("user")); err != nil {
			t.Error(err)
		}
		if s.Exists() {
			t.Error("session still exists")
		}
	})
	if a.hasRecord(c.Value) {
		t.Error("record left behind")
	}
	if got := a.setCookie(rec); got == nil || got.MaxAge >= 0 {
		t.Errorf("cookie not expired: %v", got)
	}
	if exists, _ := a.visit(c); exists {
		t.Error("the old cookie still names a session")
	}
}

// TestChecklist43a_UpdateAfterConcurrentDestroyDoesNotResurrect: request A
// has loaded the session when request B (another tab) logs out; A's later
// Update must start a new session, not write the old one back.
func TestChecklist43a_UpdateAfterConcurrentDestroyDoesNotResurrect(t *testing.T) {
	a := newApp(t, fileKind, nil)
	c := a.login()

	loaded := make(chan struct{})
	release := make(chan struct{})
	done := make(chan *http.Cookie)
	go func() {
		rec := a.serve(c, func(s *Session) {
			if !s.Exists() {
				t.Error("request A: no session")
			}
			close(loaded)
			<-release
			if err := s.Update(put("cart", "book")); err != nil {
				t.Error(err)
			}
		})
		done <- a.setCookie(rec)
	}()

	<-loaded
	a.serve(c, func(s *Session) {
		if err := s.Destroy(); err != nil {
			t.Error(err)
		}
	})
	if a.hasRecord(c.Value) {
		t.Error("Destroy left the record")
	}
	close(release)
	newCookie := <-done

	if a.hasRecord(c.Value) {
		t.Error("the late Update brought the destroyed record back")
	}
	if exists, _ := a.visit(c); exists {
		t.Error("the destroyed cookie names a session again")
	}
	if newCookie == nil || newCookie.Value == c.Value {
		t.Fatalf("the late Update set cookie %v, want a new ID", newCookie)
	}
	exists, user := a.visit(newCookie)
	if !exists || user != "" {
		t.Errorf("new session: exists %v, user %q; want a fresh session without the old user", exists, user)
	}
}

// TestChecklist43b_ParallelUpdatesLoseNothing: 20 requests of one session,
// each adding its own key at the same time (and each touching the session
// as well), leave all 20 keys.
func TestChecklist43b_ParallelUpdatesLoseNothing(t *testing.T) {
	a := newApp(t, fileKind, nil)
	c := a.login()
	a.clock.Advance(2 * time.Minute) // so that every request also touches

	const n = 20
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			rec := a.serve(c, func(s *Session) {
				if err := s.Update(put(fmt.Sprintf("key%d", i), i)); err != nil {
					t.Error(err)
				}
			})
			if got := rec.Header().Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("request %d moved the session: %q", i, got)
			}
		})
	}
	close(start)
	wg.Wait()

	a.serve(c, func(s *Session) {
		if !s.Exists() {
			t.Fatal("session gone")
		}
		for i := range n {
			var got int
			if ok, err := s.Get(fmt.Sprintf("key%d", i), &got); !ok || err != nil || got != i {
				t.Errorf("key%d: ok %v, err %v, value %d", i, ok, err, got)
			}
		}
		var user string
		if _, err := s.Get("user", &user); err != nil || user != "alice" {
			t.Errorf("user %q, err %v", user, err)
		}
	})
}

// TestChecklist33_RenewMovesSessionToNewID: at login the visitor gets a new
// ID; the values fn leaves are kept, and the old ID is dead.
func TestChecklist33_RenewMovesSessionToNewID(t *testing.T) {
	a := newApp(t, fileKind, nil)
	c0 := a.login()
	a.serve(c0, func(s *Session) {
		if err := s.Update(put("pending", "state-123")); err != nil {
			t.Error(err)
		}
	})

	rec := a.serve(c0, func(s *Session) {
		err := s.Renew(func(v *Values) error {
			v.Delete("pending")
			return v.Put("role", "admin")
		})
		if err != nil {
			t.Error(err)
		}
	})
	c1 := a.setCookie(rec)
	if c1 == nil || c1.Value == c0.Value || !validID(c1.Value) {
		t.Fatalf("Renew set cookie %v, want a new ID", c1)
	}
	if a.hasRecord(c0.Value) {
		t.Error("the old record is still there")
	}
	if exists, _ := a.visit(c0); exists {
		t.Error("the pre-renewal cookie still names a session")
	}
	a.serve(c1, func(s *Session) {
		var user, role string
		if _, err := s.Get("user", &user); err != nil || user != "alice" {
			t.Errorf("user %q (err %v), want alice", user, err)
		}
		if _, err := s.Get("role", &role); err != nil || role != "admin" {
			t.Errorf("role %q (err %v), want admin", role, err)
		}
		if ok, _ := s.Get("pending", new(string)); ok {
			t.Error("the value fn deleted survived the renewal")
		}
	})
}

// TestChecklist36_DestroyEndsSession: the record is gone, the cookie is
// dropped, and replaying the cookie is anonymous.
func TestChecklist36_DestroyEndsSession(t *testing.T) {
	a := newApp(t, fileKind, nil)
	c := a.login()
	rec := a.serve(c, func(s *Session) {
		if err := s.Destroy(); err != nil {
			t.Error(err)
		}
		if s.Exists() {
			t.Error("session exists after Destroy")
		}
	})
	if a.hasRecord(c.Value) {
		t.Error("record left behind")
	}
	if got := a.setCookie(rec); got == nil || got.Value != "" || got.MaxAge >= 0 {
		t.Errorf("cookie not expired: %v", got)
	}
	if exists, _ := a.visit(c); exists {
		t.Error("the destroyed cookie still names a session")
	}
}

// TestChecklist44_CorruptRecordIsNoSession: a record that cannot be read is
// an anonymous visitor, never an error; it is removed, and the visitor can
// start a fresh session.
func TestChecklist44_CorruptRecordIsNoSession(t *testing.T) {
	random := make([]byte, 512)
	rand.NewChaCha8([32]byte{1}).Read(random)
	tests := []struct {
		name     string
		contents []byte
	}{
		{"truncated JSON", []byte(`{"user":`)},
		{"random bytes", random},
		{"wrong version", []byte(`{"v":2,"created":1900000000,"seen":1900000000,"values":{"user":"mallory"}}`)},
		{"no version", []byte(`{"created":1900000000,"seen":1900000000,"values":{}}`)},
		{"seen before created", []byte(`{"v":1,"created":1900000000,"seen":1,"values":{}}`)},
		{"values not an object", []byte(`{"v":1,"created":1900000000,"seen":1900000000,"values":[1]}`)},
		{"empty file", nil},
		{"10 MiB", bytes.Repeat([]byte(`{"v":1}`), 10<<20/7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, fileKind, nil)
			c := a.login()
			path := a.recordPath(c.Value)
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tt.contents, 0o600); err != nil {
				t.Fatal(err)
			}
			// Keep the expiry stamp, so that the record is refused for its
			// contents and not for its age.
			if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}

			if exists, user := a.visit(c); exists || user != "" {
				t.Fatalf("corrupt record gave a session (user %q)", user)
			}
			if a.hasRecord(c.Value) {
				t.Error("corrupt record not removed")
			}

			rec := a.serve(c, func(s *Session) {
				if err := s.Update(put("user", "bob")); err != nil {
					t.Error(err)
				}
			})
			fresh := a.setCookie(rec)
			if fresh == nil || fresh.Value == c.Value {
				t.Fatalf("Update after the corrupt record set cookie %v, want a new ID", fresh)
			}
			if exists, user := a.visit(fresh); !exists || user != "bob" {
				t.Errorf("fresh session: exists %v, user %q", exists, user)
			}
		})
	}
}

// TestValuesRoundTrip: values keep their type through the record, and a
// value of the wrong type is an error rather than a silent zero.
func TestValuesRoundTrip(t *testing.T) {
	type pending struct {
		State    string
		Verifier string
	}
	a := newApp(t, fileKind, nil)
	want := pending{State: "s", Verifier: "v"}
	c := a.setCookie(a.serve(nil, func(s *Session) {
		if err := s.Update(put("login", want)); err != nil {
			t.Error(err)
		}
	}))
	a.serve(c, func(s *Session) {
		var got pending
		if ok, err := s.Get("login", &got); !ok || err != nil || got != want {
			t.Errorf("Get = %v, %v, %+v; want %+v", ok, err, got, want)
		}
		var wrong int
		if ok, err := s.Get("login", &wrong); !ok || err == nil {
			t.Errorf("Get into an int: ok %v, err %v; want an error", ok, err)
		}
		if ok, err := s.Get("missing", &got); ok || err != nil {
			t.Errorf("Get of a missing key: ok %v, err %v", ok, err)
		}
		err := s.Update(put("bad", make(chan int)))
		if err == nil || !strings.Contains(err.Error(), `"bad"`) {
			t.Errorf("Put of a channel: %v, want an error naming the key", err)
		}
	})
}
