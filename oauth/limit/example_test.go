package limit_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/limit"
	"oauthlogin/session"
)

// Both bounds in front of a login: each client address may start two
// logins a minute, and at most three logins may be in progress at once,
// whoever starts them. Five new visitors open the home page, three of
// them from one address.
func ExampleLimits() {
	dir, err := os.MkdirTemp("", "example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	key := []byte("a long random key from the configuration")
	store, err := session.NewFileStore(filepath.Join(dir, "sessions"), key, nil)
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.NewManager(store, session.Options{HashKey: key})
	if err != nil {
		log.Fatal(err)
	}
	client := oauth.NewClient(oauth.Config{
		ClientID:     "my-app",
		ClientSecret: "my-secret",
		AuthorizeURL: "https://provider.example/authorize",
		TokenURL:     "https://provider.example/token",
		UserURL:      "https://provider.example/user",
		RedirectURL:  "https://app.example/oauth/callback",
	}, nil)
	quiet := slog.New(slog.DiscardHandler)

	limits := &limit.Limits{
		Rate: &limit.RateLimit{PerMinute: 2, Burst: 2},
		// A start counts as long as its record can last: the login's
		// lifetime, then until the sweep (every 5 minutes here) removes it.
		Pending: &limit.PendingLimit{Max: 3, Window: oauth.PendingLifetime + 5*time.Minute},
		Logger:  quiet,
	}
	showFailure := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
		http.Error(w, f.Title, f.Status)
	}
	login := oauth.NewLogin(client, showFailure, oauth.LoginOptions{Limit: limits, Logger: quiet})
	home := sessions.Middleware(login.Require(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "Hello")
	})))

	for _, from := range []string{"192.0.2.1", "192.0.2.1", "192.0.2.1", "198.51.100.7", "198.51.100.8"} {
		r := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
		r.RemoteAddr = from + ":41234"
		w := httptest.NewRecorder()
		home.ServeHTTP(w, r)
		answer := strings.TrimSpace(w.Body.String())
		if w.Code == http.StatusFound {
			answer = "to the provider"
		}
		fmt.Printf("%-13s %d %s\n", from, w.Code, answer)
	}
	// Output:
	// 192.0.2.1     302 to the provider
	// 192.0.2.1     302 to the provider
	// 192.0.2.1     429 Too many attempts
	// 198.51.100.7  302 to the provider
	// 198.51.100.8  503 Too many logins in progress
}
