package redisstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"oauthlogin/session"
)

// BenchmarkStores runs the same operations on a session.FileStore and on a
// Store (a redis-server on loopback that the benchmark starts), side by
// side:
//
//   - Load: one logged-in session's record.
//   - Save: the record written over itself.
//   - Change: a read-modify-write of the record: for the Store a Change,
//     a compare-and-set; for the FileStore a Load and a Save, which is
//     what the Manager does under its lock.
//
// Run it with
//
//	go test -run '^$' -bench Stores -benchmem ./session/redisstore/
func BenchmarkStores(b *testing.B) {
	now := time.Now()
	// A logged-in session's record as the Manager writes it; to a store it
	// is only bytes.
	rec := fmt.Appendf(nil, `{"v":1,"created":%d,"seen":%d,"values":{"user":`+
		`{"email":"ada@example.test","name":"Ada Lovelace","sub":"1234567","username":"ada"}}}`, now.Unix(), now.Unix())
	expiry := now.Add(time.Hour)
	id := mustID(b)
	ctx := context.Background()

	files, err := session.NewFileStore(filepath.Join(b.TempDir(), "sessions"), testStoreKey, nil)
	if err != nil {
		b.Fatal(err)
	}
	redis := startRedis(b, false).openStore(nil)
	stores := []struct {
		name   string
		store  session.Store
		change func() error
	}{
		{"FileStore", files, func() error {
			old, _, err := files.Load(id)
			if err != nil {
				return err
			}
			return files.Save(id, old, expiry)
		}},
		{"RedisStore", redis, func() error {
			return redis.Change(ctx, id, func(old []byte, _ bool) ([]session.Write, error) {
				return []session.Write{{ID: id, Rec: old, Expiry: expiry}}, nil
			})
		}},
	}
	for _, st := range stores {
		s := st.store
		b.Run(st.name, func(b *testing.B) {
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
				for b.Loop() {
					if err := st.change(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
