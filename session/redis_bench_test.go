package session

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkStores runs the same operations on a FileStore and on a
// RedisStore (a redis-server on loopback that the benchmark starts), side
// by side:
//
//   - Load: one logged-in session's record.
//   - Save: the record written over itself.
//   - Change: a read-modify-write of the record, as Session.Update makes
//     it (for the FileStore, what the Manager does under its lock).
//
// Run it with
//
//	go test -run '^$' -bench Stores -benchmem ./session/
func BenchmarkStores(b *testing.B) {
	stores := map[string]func(b *testing.B) Store{
		"FileStore": func(b *testing.B) Store {
			s, err := NewFileStore(filepath.Join(b.TempDir(), "sessions"), testStoreKey, nil)
			if err != nil {
				b.Fatal(err)
			}
			return s
		},
		"RedisStore": func(b *testing.B) Store {
			r := startRedis(b, false)
			s, err := NewRedisStore(context.Background(), testStoreKey, r.options(nil))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
	for _, name := range []string{"FileStore", "RedisStore"} {
		b.Run(name, func(b *testing.B) {
			s := stores[name](b)
			now := time.Now()
			rec, expiry := benchRecord(b, now), now.Add(time.Hour)
			id, err := newID()
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Save(id, rec, expiry); err != nil {
				b.Fatal(err)
			}
			b.Run("Load", func(b *testing.B) {
				for b.Loop() {
					if _, found, err := s.Load(id); !found || err != nil {
						b.Fatal(found, err)
					}
				}
			})
			b.Run("Save", func(b *testing.B) {
				for b.Loop() {
					if err := s.Save(id, rec, expiry); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Change", func(b *testing.B) {
				m, err := NewManager(s, Options{HashKey: testManagerKey})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				for b.Loop() {
					err := m.change(ctx, id, func(r record, found bool) ([]Write, error) {
						w, err := m.encode(r)
						w.ID = id
						return []Write{w}, err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
