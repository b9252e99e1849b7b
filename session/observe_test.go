package session

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// observation is one call of Options.Observe.
type observation struct {
	op  string
	err bool
}

type observer struct {
	mu  sync.Mutex
	ops []observation
}

func (o *observer) observe(op string, d time.Duration, err error) {
	if d < 0 {
		panic("a negative duration")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops = append(o.ops, observation{op, err != nil})
}

func (o *observer) take() []observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	ops := o.ops
	o.ops = nil
	return ops
}

// TestObserveSeesEveryStoreOperation follows a session through a login,
// a visit, a failing store and a logout: each operation the Manager makes
// on the store is reported once, with its outcome.
func TestObserveSeesEveryStoreOperation(t *testing.T) {
	var o observer
	a := newApp(t, mapKind, func(opts *Options) { opts.Observe = o.observe })

	cookie := a.login()
	if got, want := o.take(), []observation{{"save", false}}; !slices.Equal(got, want) {
		t.Errorf("a new session: %v, want %v", got, want)
	}
	a.visit(cookie)
	if got, want := o.take(), []observation{{"load", false}}; !slices.Equal(got, want) {
		t.Errorf("a visit: %v, want %v", got, want)
	}

	a.store.loadErr = errors.New("disk gone")
	a.serve(cookie, func(*Session) {})
	if got, want := o.take(), []observation{{"load", true}}; !slices.Equal(got, want) {
		t.Errorf("a visit while the store fails: %v, want %v", got, want)
	}
	a.store.loadErr = nil

	a.serve(cookie, func(s *Session) {
		if err := s.Destroy(); err != nil {
			t.Errorf("Destroy: %v", err)
		}
	})
	if got, want := o.take(), []observation{{"load", false}, {"delete", false}}; !slices.Equal(got, want) {
		t.Errorf("a logout: %v, want %v", got, want)
	}
	if a.store.calls() != 5 {
		t.Errorf("the store saw %d calls, Observe was told of 5", a.store.calls())
	}
}

// atomicMapStore is a mapStore that offers Change, so that the Manager
// makes its read-modify-writes as one operation, as it does on Redis.
type atomicMapStore struct{ *mapStore }

func (s atomicMapStore) LoadContext(_ context.Context, id string) ([]byte, bool, error) {
	return s.Load(id)
}

func (s atomicMapStore) SaveContext(_ context.Context, id string, rec []byte, expiry time.Time) error {
	return s.Save(id, rec, expiry)
}

func (s atomicMapStore) DeleteContext(_ context.Context, id string) error { return s.Delete(id) }

func (s atomicMapStore) Change(_ context.Context, id string, fn func([]byte, bool) ([]Write, error)) error {
	rec, found, _ := s.Load(id)
	writes, err := fn(rec, found)
	if err != nil {
		return err
	}
	for _, w := range writes {
		if w.Rec == nil {
			s.Delete(w.ID)
		} else {
			s.Save(w.ID, w.Rec, w.Expiry)
		}
	}
	return nil
}

func TestObserveSeesAnAtomicChangeAsOne(t *testing.T) {
	var o observer
	m, err := NewManager(atomicMapStore{newMapStore()}, Options{HashKey: testManagerKey, Observe: o.observe})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(cookie *http.Cookie, fn func(*Session)) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		m.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { fn(FromRequest(r)) })).ServeHTTP(rec, req)
		return rec
	}
	put := func(s *Session) {
		if err := s.Update(func(v *Values) error { return v.Put("n", 1) }); err != nil {
			t.Error(err)
		}
	}
	cookies := serve(nil, put).Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("%d cookies", len(cookies))
	}
	o.take()
	serve(cookies[0], put)
	if got, want := o.take(), []observation{{"load", false}, {"change", false}}; !slices.Equal(got, want) {
		t.Errorf("an update of a stored session: %v, want %v", got, want)
	}
}
