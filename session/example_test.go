package session_test

import (
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"oauthlogin/session"
)

// A server that counts each visitor's visits. In a real server the key is
// loaded from a secret kept across restarts, and the store directory is a
// fixed path such as /var/lib/app/sessions.
func ExampleNewManager() {
	base, err := os.MkdirTemp("", "session-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(base)

	storeKey, logKey := make([]byte, 32), make([]byte, 32)
	rand.Read(storeKey)
	rand.Read(logKey)

	store, err := session.NewFileStore(filepath.Join(base, "sessions"), storeKey, nil)
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.NewManager(store, session.Options{HashKey: logKey})
	if err != nil {
		log.Fatal(err)
	}

	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var visits int
		err := session.FromRequest(r).Update(func(v *session.Values) error {
			if _, err := v.Get("visits", &visits); err != nil {
				return err
			}
			visits++
			return v.Put("visits", visits)
		})
		if err != nil {
			http.Error(w, "session error", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visit %d", visits)
	})
	handler := sessions.Middleware(count)

	// Two requests from one browser: the second one sends back the cookie
	// that the first one set.
	var cookie *http.Cookie
	for range 2 {
		req := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Printf("%s; Set-Cookie sent: %v\n", rec.Body, len(rec.Result().Cookies()) > 0)
		if c := rec.Result().Cookies(); len(c) > 0 {
			cookie = c[0]
		}
	}
	fmt.Println("cookie name:", cookie.Name)
	// Output:
	// visit 1; Set-Cookie sent: true
	// visit 2; Set-Cookie sent: false
	// cookie name: __Host-session
}

// The store on its own: what a Manager does with it underneath.
func ExampleNewFileStore() {
	base, err := os.MkdirTemp("", "session-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(base)
	dir := filepath.Join(base, "sessions")

	key := make([]byte, 32)
	rand.Read(key)
	store, err := session.NewFileStore(dir, key, nil)
	if err != nil {
		log.Fatal(err)
	}

	const id = "q0Zq2r2XKJc1YbVqO8i3nQmS3o3ZtJg3m0xXyI7fP1E" // the Manager makes these
	if err := store.Save(id, []byte(`{"example":true}`), time.Now().Add(time.Hour)); err != nil {
		log.Fatal(err)
	}
	rec, found, err := store.Load(id)
	fmt.Printf("found %v: %s (err %v)\n", found, rec, err)

	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("files:", len(entries), "named by the ID:", entries[0].Name() == id)

	if err := store.Delete(id); err != nil {
		log.Fatal(err)
	}
	_, found, err = store.Load(id)
	fmt.Printf("after Delete found %v (err %v)\n", found, err)
	// Output:
	// found true: {"example":true} (err <nil>)
	// files: 1 named by the ID: false
	// after Delete found false (err <nil>)
}
