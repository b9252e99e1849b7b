package redisstore_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"oauthlogin/session"
	"oauthlogin/session/redisstore"
)

// Sessions in Redis, for several instances of an application: each
// instance opens the store with the same URL and key, and hands it to its
// Manager. New checks at once that Redis answers and accepts the
// password, so a mistake stops the start-up. (Not run: it needs a Redis
// server.)
func ExampleNew() {
	key := []byte(os.Getenv("SECRET")) // the same on every instance
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	store, err := redisstore.New(ctx, key, redisstore.Options{
		URL:       os.Getenv("REDIS_URL"), // say rediss://app:password@cache.internal:6380/0
		KeyPrefix: "myapp:session:",
	})
	if err != nil {
		log.Fatal(err) // the reason, without the password
	}
	defer store.Close()

	sessions, err := session.NewManager(store, session.Options{HashKey: key})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", sessions.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Two instances changing this session at once both keep their change.
		err := session.FromRequest(r).Update(func(v *session.Values) error { return v.Put("seen", true) })
		if err != nil {
			http.Error(w, "sessions are unavailable", http.StatusServiceUnavailable)
		}
	})))
	log.Fatal(http.ListenAndServe("localhost:8080", mux))
}
