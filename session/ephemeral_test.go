package session

import (
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// durabilityStore is a FileStore that notes, for each save, whether it was
// asked to be durable.
type durabilityStore struct {
	*FileStore
	mu    sync.Mutex
	saves []string // "durable" or "ephemeral", in order
}

func (s *durabilityStore) note(kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves = append(s.saves, kind)
}

func (s *durabilityStore) Save(id string, rec []byte, expiry time.Time) error {
	s.note("durable")
	return s.FileStore.Save(id, rec, expiry)
}

func (s *durabilityStore) SaveEphemeral(id string, rec []byte, expiry time.Time) error {
	s.note("ephemeral")
	return s.FileStore.SaveEphemeral(id, rec, expiry)
}

// UpdateEphemeral saves without waiting for the disk, for a new session
// and for an existing one; Update and Renew wait. Either way the record
// reads back the same.
func TestUpdateEphemeralSavesWithoutWaitingForTheDisk(t *testing.T) {
	clock := newFakeClock()
	files, err := NewFileStore(filepath.Join(t.TempDir(), "sessions"), testStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	store := &durabilityStore{FileStore: files}
	m, err := NewManager(store, Options{HashKey: testManagerKey, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	a := &testApp{t: t, mgr: m}
	serve := func(cookie *http.Cookie, fn func(*Session)) *http.Cookie {
		if c := a.setCookie(a.serve(cookie, fn)); c != nil {
			return c
		}
		return cookie
	}
	put := func(key string) func(*Values) error {
		return func(v *Values) error { return v.Put(key, "x") }
	}

	c := serve(nil, func(s *Session) {
		if err := s.UpdateEphemeral(put("pending")); err != nil {
			t.Fatal(err)
		}
	})
	serve(c, func(s *Session) {
		if err := s.UpdateEphemeral(put("another")); err != nil {
			t.Fatal(err)
		}
	})
	c = serve(c, func(s *Session) {
		var v string
		if found, _ := s.Get("another", &v); !found || v != "x" {
			t.Errorf("an ephemeral change did not read back: %q", v)
		}
		if err := s.Renew(put("user")); err != nil {
			t.Fatal(err)
		}
	})
	serve(c, func(s *Session) {
		if err := s.Update(put("cart")); err != nil {
			t.Fatal(err)
		}
	})
	want := []string{"ephemeral", "ephemeral", "durable", "durable"}
	if len(store.saves) != len(want) {
		t.Fatalf("saves %v, want %v", store.saves, want)
	}
	for i := range want {
		if store.saves[i] != want[i] {
			t.Errorf("saves %v, want %v", store.saves, want)
			break
		}
	}
}
