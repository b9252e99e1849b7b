package session

// Benchmarks of the session store and of the lookup every page view pays
// for (issue 5), with 1,000 and 100,000 sessions on disk:
//
//	go test -run '^$' -bench . -benchmem ./session/
//
// The 100,000-session directories are filled only when a benchmark runs,
// never in a plain "go test". Filling writes the files directly, without
// fsync, so it takes seconds rather than minutes; the benchmarked calls go
// through the FileStore as the application's do.

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchRecord is a logged-in session as the application keeps it.
func benchRecord(b testing.TB, now time.Time) []byte {
	rec := record{Version: recordVersion, Created: now.Unix(), Seen: now.Unix()}
	if err := rec.Values.Put("user", map[string]string{
		"sub": "1234567", "username": "ada", "name": "Ada Lovelace", "email": "ada@example.test",
	}); err != nil {
		b.Fatal(err)
	}
	out, err := json.Marshal(rec)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// fillStore writes n session files named as store names them, each holding
// rec and stamped with expiry, and returns their IDs in random order.
func fillStore(b *testing.B, dir string, n int, rec []byte, expiry time.Time) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range ids {
		id, err := newID()
		if err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, hmacHex(testStoreKey, id))
		if err := os.WriteFile(p, rec, 0o600); err != nil {
			b.Fatal(err)
		}
		if err := os.Chtimes(p, expiry, expiry); err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// discardResponse is an http.ResponseWriter that keeps only the header.
type discardResponse struct{ h http.Header }

func (w *discardResponse) Header() http.Header         { return w.h }
func (w *discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardResponse) WriteHeader(int)             {}

// BenchmarkFileStore runs each store operation against a directory of 1,000
// and of 100,000 live sessions, picking sessions in random order so that
// no one file stays hot in the caches.
//
//   - Load: FileStore.Load of a session (one open, read and close).
//   - Lookup: what the middleware does for a page view: cookie, Load,
//     decode, timeouts.
//   - Save: FileStore.Save over an existing session (temporary file,
//     fsync, rename).
//   - Renew: Session.Renew, as at login: a new file, the old one removed.
//   - Destroy: Session.Destroy, as at logout: the file removed.
func BenchmarkFileStore(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "sessions")
			s, err := NewFileStore(dir, testStoreKey, nil)
			if err != nil {
				b.Fatal(err)
			}
			m, err := NewManager(s, Options{HashKey: testManagerKey, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			rec := benchRecord(b, now)
			expiry := now.Add(time.Hour)
			ids := fillStore(b, dir, n, rec, expiry)

			b.Run("Load", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, found, err := s.Load(ids[i%n]); !found || err != nil {
						b.Fatalf("Load: found %v, err %v", found, err)
					}
					i++
				}
			})
			b.Run("Lookup", func(b *testing.B) {
				reqs := make([]*http.Request, min(n, 10_000))
				for i := range reqs {
					reqs[i] = httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
					reqs[i].AddCookie(&http.Cookie{Name: m.CookieName(), Value: ids[i]})
				}
				w := &discardResponse{h: make(http.Header)}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					sess, err := m.load(w, reqs[i%len(reqs)])
					if err != nil || !sess.Exists() {
						b.Fatalf("lookup: exists %v, err %v", sess.Exists(), err)
					}
					i++
				}
			})
			b.Run("Save", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := s.Save(ids[i%n], rec, expiry); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("Renew", func(b *testing.B) {
				// Each renewal moves a session to a new ID; the next round
				// renews the new one.
				w := &discardResponse{h: make(http.Header)}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					sess := &Session{manager: m, w: w, id: ids[i%n]}
					if err := sess.Renew(keepAll); err != nil {
						b.Fatal(err)
					}
					ids[i%n] = sess.id
					i++
				}
			})
			b.Run("Destroy", func(b *testing.B) {
				// Destroying sessions uses them up: the extra ones are made
				// before the clock starts, and the directory keeps its size.
				extra := fillStore(b, dir, b.N, rec, expiry)
				w := &discardResponse{h: make(http.Header)}
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					sess := &Session{manager: m, w: w, id: extra[i]}
					if err := sess.Destroy(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkSweep is one sweep of a directory of 100,000 expired sessions.
// The files are made again, untimed, before each sweep.
func BenchmarkSweep(b *testing.B) {
	const n = 100_000
	dir := filepath.Join(b.TempDir(), "sessions")
	s, err := NewFileStore(dir, testStoreKey, nil)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	rec := benchRecord(b, now.Add(-time.Hour))
	for range b.N {
		b.StopTimer()
		fillStore(b, dir, n, rec, now.Add(-time.Minute))
		b.StartTimer()
		removed, err := s.Sweep()
		if err != nil || removed != n {
			b.Fatalf("Sweep removed %d of %d: %v", removed, n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/sweep")
}
