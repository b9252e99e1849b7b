package session

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// contractStore is one Store under the contract tests, with a way to list
// the names it keeps records under.
type contractStore struct {
	store Store
	clock *fakeClock
	names func() []string
}

// contractStores makes each Store of the package for one test. (Package
// redisstore checks its store against the same contract.)
var contractStores = map[string]func(t *testing.T) contractStore{
	"FileStore": func(t *testing.T) contractStore {
		s, dir, clock := newTestFileStore(t)
		return contractStore{store: s, clock: clock, names: func() []string { return dirNames(t, dir) }}
	},
}

// TestStoreContract: every Store of the package meets the Store contract
// word for word.
func TestStoreContract(t *testing.T) {
	for name, newStore := range contractStores {
		t.Run(name, func(t *testing.T) {
			t.Run("missing record", func(t *testing.T) {
				cs := newStore(t)
				if b, found, err := cs.store.Load(mustID(t)); found || err != nil || b != nil {
					t.Errorf("Load of a missing record = %q, %v, %v; want nothing, no error", b, found, err)
				}
				if err := cs.store.Delete(mustID(t)); err != nil {
					t.Errorf("Delete of a missing record: %v", err)
				}
			})
			t.Run("save, replace, delete", func(t *testing.T) {
				cs := newStore(t)
				id, expiry := mustID(t), cs.clock.Now().Add(time.Hour)
				for _, rec := range []string{`{"first":1}`, `{"second":2}`} {
					if err := cs.store.Save(id, []byte(rec), expiry); err != nil {
						t.Fatal(err)
					}
					if b, found, err := cs.store.Load(id); !found || err != nil || string(b) != rec {
						t.Fatalf("Load = %q, %v, %v; want %q", b, found, err, rec)
					}
				}
				if err := cs.store.Delete(id); err != nil {
					t.Fatal(err)
				}
				if _, found, err := cs.store.Load(id); found || err != nil {
					t.Errorf("Load after Delete: found %v, err %v", found, err)
				}
			})
			t.Run("size limit", func(t *testing.T) {
				cs := newStore(t)
				id, expiry := mustID(t), cs.clock.Now().Add(time.Hour)
				full := bytes.Repeat([]byte("a"), MaxRecordSize)
				if err := cs.store.Save(id, full, expiry); err != nil {
					t.Fatalf("Save of MaxRecordSize bytes: %v", err)
				}
				err := cs.store.Save(id, bytes.Repeat([]byte("b"), MaxRecordSize+1), expiry)
				if !errors.Is(err, ErrRecordTooLarge) {
					t.Fatalf("Save of MaxRecordSize+1 bytes: %v, want ErrRecordTooLarge", err)
				}
				if b, found, err := cs.store.Load(id); !found || err != nil || !bytes.Equal(b, full) {
					t.Errorf("Load after the refused Save: %d bytes, %v, %v; want the previous record", len(b), found, err)
				}
			})
			t.Run("names are keyed hashes", func(t *testing.T) {
				cs := newStore(t)
				id := mustID(t)
				if err := cs.store.Save(id, []byte("{}"), cs.clock.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				names := cs.names()
				if len(names) != 1 || !strings.HasSuffix(names[0], hmacHex(testStoreKey, id)) {
					t.Fatalf("names %q, want one ending in the HMAC of the ID", names)
				}
				if strings.Contains(names[0], id) {
					t.Errorf("name %q holds the ID", names[0])
				}
			})
			t.Run("concurrent saves and loads see whole records", func(t *testing.T) {
				cs := newStore(t)
				id, expiry := mustID(t), cs.clock.Now().Add(time.Hour)
				recs := [][]byte{bytes.Repeat([]byte("x"), 20000), bytes.Repeat([]byte("y"), 30000)}
				if err := cs.store.Save(id, recs[0], expiry); err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				for w := range 4 {
					wg.Go(func() {
						for i := range 25 {
							if w%2 == 0 {
								if err := cs.store.Save(id, recs[i%2], expiry); err != nil {
									t.Error(err)
								}
								continue
							}
							b, found, err := cs.store.Load(id)
							if err != nil || !found || !(bytes.Equal(b, recs[0]) || bytes.Equal(b, recs[1])) {
								t.Errorf("Load during saves: %d bytes, found %v, err %v", len(b), found, err)
							}
						}
					})
				}
				wg.Wait()
			})
		})
	}
}

// TestManagerOnEveryStore: the Manager's whole life cycle of a session
// (start, change, renew, destroy) works the same on every store.
func TestManagerOnEveryStore(t *testing.T) {
	for name, newStore := range contractStores {
		t.Run(name, func(t *testing.T) {
			cs := newStore(t)
			a := newAppOn(t, cs.store, cs.clock)
			c := a.login()
			a.serve(c, func(s *Session) {
				if err := s.Update(put("cart", "book")); err != nil {
					t.Fatal(err)
				}
			})
			rec := a.serve(c, func(s *Session) {
				if err := s.Renew(keepAll); err != nil {
					t.Fatal(err)
				}
			})
			renewed := a.setCookie(rec)
			if exists, _ := a.visit(c); exists {
				t.Error("the old ID still names a session after Renew")
			}
			a.serve(renewed, func(s *Session) {
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
			if names := cs.names(); len(names) != 0 {
				t.Errorf("records left: %q", names)
			}
		})
	}
}

// newAppOn is a testApp on a given store.
func newAppOn(t *testing.T, store Store, clock *fakeClock) *testApp {
	t.Helper()
	a := &testApp{t: t, clock: clock, logs: newLogRecorder()}
	m, err := NewManager(store, Options{HashKey: testManagerKey, Now: clock.Now, Logger: a.logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	a.mgr = m
	return a
}
