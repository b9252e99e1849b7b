package session

import (
	"bytes"
	"context"
	"testing"
)

var bindingKey = []byte("a layer's binding key")

// TestBindingNamesTheSessionTheValuesAreSavedUnder: inside Renew's fn the
// binding is the new ID's, the one the session has afterwards; in Update
// it is the session's own; it is the keyed hash of the ID, never the ID.
func TestBindingNamesTheSessionTheValuesAreSavedUnder(t *testing.T) {
	a := newApp(t, fileKind, nil)
	c := a.login()
	var inUpdate, inRenew, before, after []byte
	rec := a.serve(c, func(s *Session) {
		before = s.Binding(bindingKey)
		if err := s.Update(func(v *Values) error { inUpdate = v.Binding(bindingKey); return v.Put("x", 1) }); err != nil {
			t.Fatal(err)
		}
		if err := s.Renew(func(v *Values) error { inRenew = v.Binding(bindingKey); return nil }); err != nil {
			t.Fatal(err)
		}
		after = s.Binding(bindingKey)
	})
	renewed := a.setCookie(rec)
	switch {
	case before == nil || !bytes.Equal(before, inUpdate):
		t.Errorf("Update's binding %x differs from the session's %x", inUpdate, before)
	case bytes.Equal(before, after):
		t.Error("the binding did not change with the ID")
	case !bytes.Equal(inRenew, after):
		t.Errorf("Renew's fn saw binding %x, the session has %x after it", inRenew, after)
	case !bytes.Equal(after, binding(bindingKey, renewed.Value)):
		t.Error("the binding is not the HMAC of the new ID")
	case bytes.Contains(after, []byte(renewed.Value)):
		t.Error("the binding holds the ID")
	}
	a.serve(nil, func(s *Session) {
		if b := s.Binding(bindingKey); b != nil {
			t.Errorf("an anonymous visitor's binding is %x, want nil", b)
		}
	})
}

// TestWithContextBoundsTheStoreCalls: a copy made WithContext uses its own
// context for the store, not the request's: a cancelled request's session
// can still save through a copy that is not cancelled.
func TestWithContextBoundsTheStoreCalls(t *testing.T) {
	a, _, _ := newTestAtomicFileStore(t, "")
	app := newAppOn(t, a, newFakeClock())
	c := app.login()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	app.serve(c, func(s *Session) {
		gone := s.WithContext(ctx)
		if err := gone.Update(put("x", 1)); err == nil {
			t.Error("Update with a cancelled context succeeded")
		}
		kept := gone.WithContext(context.Background())
		if err := kept.Update(put("x", 2)); err != nil {
			t.Errorf("Update through a live context: %v", err)
		}
	})
	app.serve(c, func(s *Session) {
		var x int
		if _, err := s.Get("x", &x); err != nil || x != 2 {
			t.Errorf("x = %d, %v; want 2", x, err)
		}
	})
}
