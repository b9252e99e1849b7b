package session

import (
	"path/filepath"
	"slices"
	"testing"
)

var testNewStoreKey = []byte("the store key after the rotation")

// TestFileStoreKeyRotationKeepsSessions: a session saved under the old key
// is found after the key changes (the old one passed as previous), moves
// to the new key's name at its next save, and a delete removes it under
// every name.
func TestFileStoreKeyRotationKeepsSessions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	clock := newFakeClock()
	before, err := NewFileStore(dir, testStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	oldManager := newAppOn(t, before, clock)
	c := oldManager.login()

	after, err := NewFileStore(dir, testNewStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := after.AcceptPreviousKeys(testStoreKey); err != nil {
		t.Fatal(err)
	}
	rotated := newAppOn(t, after, clock)
	if exists, user := rotated.visit(c); !exists || user != "alice" {
		t.Fatalf("after the rotation: exists %v, user %q; want alice's session", exists, user)
	}
	oldName, newName := hmacHex(testStoreKey, c.Value), hmacHex(testNewStoreKey, c.Value)
	if names := dirNames(t, dir); !slices.Equal(names, []string{oldName}) {
		t.Fatalf("before a save: %q, want the old name only", names)
	}
	rotated.serve(c, func(s *Session) {
		if err := s.Update(put("cart", "book")); err != nil {
			t.Fatal(err)
		}
	})
	if names := dirNames(t, dir); !slices.Equal(names, []string{newName}) {
		t.Fatalf("after a save: %q, want the new name only", names)
	}
	// Without the old key, the moved session is still there.
	only, err := NewFileStore(dir, testNewStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if exists, _ := newAppOn(t, only, clock).visit(c); !exists {
		t.Fatal("the moved session is not found under the new key alone")
	}

	// A delete removes a record under an old name too.
	c2 := oldManager.login()
	if err := after.Delete(c2.Value); err != nil {
		t.Fatal(err)
	}
	if exists, _ := oldManager.visit(c2); exists {
		t.Error("the session under the old name outlived Delete")
	}
}

func TestAcceptPreviousKeysRefusesAnEmptyKey(t *testing.T) {
	s, _, _ := newTestFileStore(t)
	if err := s.AcceptPreviousKeys([]byte{}); err == nil {
		t.Error("an empty previous key was accepted")
	}
}
