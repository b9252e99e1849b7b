package session

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestOversizedRecordIsRefusedNotSaved: a change that would make a record
// larger than any Load gives back fails with ErrRecordTooLarge, for every
// store and every way of saving, and the session keeps what it had. Saved,
// such a record would end the session on the next request, and a login
// that grew it would start over forever.
func TestOversizedRecordIsRefusedNotSaved(t *testing.T) {
	huge := strings.Repeat("x", MaxRecordSize)
	for _, kind := range []storeKind{fileKind, mapKind} {
		t.Run(string(kind), func(t *testing.T) {
			a := newApp(t, kind, nil)

			rec := a.serve(nil, func(s *Session) {
				if err := s.Update(put("big", huge)); !errors.Is(err, ErrRecordTooLarge) {
					t.Errorf("new session: Update error %v, want ErrRecordTooLarge", err)
				}
				if s.Exists() {
					t.Error("new session: the refused Update started a session")
				}
			})
			if c := a.setCookie(rec); c != nil {
				t.Errorf("new session: cookie %v set for a session that was not saved", c)
			}

			c := a.login()
			a.serve(c, func(s *Session) {
				if err := s.Update(put("big", huge)); !errors.Is(err, ErrRecordTooLarge) {
					t.Errorf("Update error %v, want ErrRecordTooLarge", err)
				}
			})
			a.serve(c, func(s *Session) {
				err := s.Renew(func(v *Values) error { return v.Put("big", huge) })
				if !errors.Is(err, ErrRecordTooLarge) {
					t.Errorf("Renew error %v, want ErrRecordTooLarge", err)
				}
			})
			a.serve(c, func(s *Session) {
				if !s.Exists() {
					t.Fatal("the session is gone after the refused changes")
				}
				var user, big string
				if _, err := s.Get("user", &user); err != nil || user != "alice" {
					t.Errorf("user %q, err %v; want alice", user, err)
				}
				if ok, _ := s.Get("big", &big); ok {
					t.Error("the refused value was kept")
				}
			})
		})
	}
}

// TestFileStoreSaveRefusesOversizedRecord: the store itself refuses what
// its Load would refuse, and keeps the previous record.
func TestFileStoreSaveRefusesOversizedRecord(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	id := mustID(t)
	if err := s.Save(id, []byte("{}"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	err := s.Save(id, make([]byte, MaxRecordSize+1), clock.Now().Add(time.Hour))
	if !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("Save of MaxRecordSize+1 bytes: %v, want ErrRecordTooLarge", err)
	}
	if b, found, err := s.Load(id); !found || err != nil || string(b) != "{}" {
		t.Errorf("Load after the refused Save = %q, %v, %v; want the previous record", b, found, err)
	}
	if err := s.Save(id, make([]byte, MaxRecordSize), clock.Now().Add(time.Hour)); err != nil {
		t.Errorf("Save of exactly MaxRecordSize bytes: %v", err)
	}
}
