package redisstore

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"oauthlogin/session"
)

// TestStoreContract: the store meets the session.Store contract word for
// word, as session's own TestStoreContract checks it for the FileStore.
func TestStoreContract(t *testing.T) {
	newStore := func(t *testing.T) (*testRedis, *Store, func() time.Time) {
		r := startRedis(t, false)
		clock := frozenClock()
		return r, r.openStore(clock), clock
	}
	t.Run("missing record", func(t *testing.T) {
		_, s, _ := newStore(t)
		if b, found, err := s.Load(mustID(t)); found || err != nil || b != nil {
			t.Errorf("Load of a missing record = %q, %v, %v; want nothing, no error", b, found, err)
		}
		if err := s.Delete(mustID(t)); err != nil {
			t.Errorf("Delete of a missing record: %v", err)
		}
	})
	t.Run("save, replace, delete", func(t *testing.T) {
		_, s, clock := newStore(t)
		id, expiry := mustID(t), clock().Add(time.Hour)
		for _, rec := range []string{`{"first":1}`, `{"second":2}`} {
			if err := s.Save(id, []byte(rec), expiry); err != nil {
				t.Fatal(err)
			}
			if b, found, err := s.Load(id); !found || err != nil || string(b) != rec {
				t.Fatalf("Load = %q, %v, %v; want %q", b, found, err, rec)
			}
		}
		if err := s.Delete(id); err != nil {
			t.Fatal(err)
		}
		if _, found, err := s.Load(id); found || err != nil {
			t.Errorf("Load after Delete: found %v, err %v", found, err)
		}
	})
	t.Run("size limit", func(t *testing.T) {
		_, s, clock := newStore(t)
		id, expiry := mustID(t), clock().Add(time.Hour)
		full := bytes.Repeat([]byte("a"), session.MaxRecordSize)
		if err := s.Save(id, full, expiry); err != nil {
			t.Fatalf("Save of MaxRecordSize bytes: %v", err)
		}
		err := s.Save(id, bytes.Repeat([]byte("b"), session.MaxRecordSize+1), expiry)
		if !errors.Is(err, session.ErrRecordTooLarge) {
			t.Fatalf("Save of MaxRecordSize+1 bytes: %v, want ErrRecordTooLarge", err)
		}
		if b, found, err := s.Load(id); !found || err != nil || !bytes.Equal(b, full) {
			t.Errorf("Load after the refused Save: %d bytes, %v, %v; want the previous record", len(b), found, err)
		}
	})
	t.Run("names are keyed hashes", func(t *testing.T) {
		r, s, clock := newStore(t)
		id := mustID(t)
		if err := s.Save(id, []byte("{}"), clock().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		keys := r.keys()
		if len(keys) != 1 || !strings.HasSuffix(keys[0], hmacHex(testStoreKey, id)) {
			t.Fatalf("keys %q, want one ending in the HMAC of the ID", keys)
		}
		if strings.Contains(keys[0], id) {
			t.Errorf("key %q holds the ID", keys[0])
		}
	})
	t.Run("concurrent saves and loads see whole records", func(t *testing.T) {
		_, s, clock := newStore(t)
		id, expiry := mustID(t), clock().Add(time.Hour)
		recs := [][]byte{bytes.Repeat([]byte("x"), 20000), bytes.Repeat([]byte("y"), 30000)}
		if err := s.Save(id, recs[0], expiry); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 25 {
					if w%2 == 0 {
						if err := s.Save(id, recs[i%2], expiry); err != nil {
							t.Error(err)
						}
						continue
					}
					b, found, err := s.Load(id)
					if err != nil || !found || !(bytes.Equal(b, recs[0]) || bytes.Equal(b, recs[1])) {
						t.Errorf("Load during saves: %d bytes, found %v, err %v", len(b), found, err)
					}
				}
			})
		}
		wg.Wait()
	})
}
