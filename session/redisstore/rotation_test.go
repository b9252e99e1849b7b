package redisstore

import (
	"context"
	"slices"
	"strings"
	"testing"

	"oauthlogin/session"
)

var testNewStoreKey = []byte("the store key after the rotation")

// TestKeyRotationKeepsSessions: a session saved under the old key is found
// after the key changes (the old one passed as previous), moves to the new
// key's name at its next change, in the same transaction, and a delete
// removes it under every name.
func TestKeyRotationKeepsSessions(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	before := newInstance(t, r.openStore(clock), clock)
	c := before.login()

	opts := r.options(clock)
	opts.PreviousKeys = [][]byte{testStoreKey}
	store, err := New(context.Background(), testNewStoreKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rotated := newInstance(t, store, clock)
	if exists, user := rotated.visit(c); !exists || user != "alice" {
		t.Fatalf("after the rotation: exists %v, user %q; want alice's session", exists, user)
	}
	oldKey, newKey := "session:"+hmacHex(testStoreKey, c.Value), "session:"+hmacHex(testNewStoreKey, c.Value)
	if keys := sessionKeys(r); !slices.Equal(keys, []string{oldKey}) {
		t.Fatalf("before a change: %q, want the old key only", keys)
	}
	rotated.serve(c, func(s *session.Session) {
		if err := s.Update(put("cart", "book")); err != nil {
			t.Fatal(err)
		}
	})
	if keys := sessionKeys(r); !slices.Equal(keys, []string{newKey}) {
		t.Fatalf("after a change: %q, want the new key only", keys)
	}
	c2 := before.login()
	if err := store.Delete(c2.Value); err != nil {
		t.Fatal(err)
	}
	if exists, _ := before.visit(c2); exists {
		t.Error("the session under the old key outlived Delete")
	}
}

// sessionKeys lists the session keys in r, in order (an index's sets
// left out).
func sessionKeys(r *testRedis) []string {
	var keys []string
	for _, k := range r.keys() {
		if !strings.HasPrefix(k, "session:index:") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
