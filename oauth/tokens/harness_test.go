package tokens

// The app these tests drive: a session.Manager on an AtomicFileStore, an
// oauth.Login against the stand-in provider of stub_test.go, and a Keeper,
// wired as main.go wires them, behind an httptest server. Several
// instances may share one session directory, as behind a load balancer.

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
)

var (
	testSecret    = []byte("tokens test secret, 32 characters or more")
	testOldSecret = []byte("the secret before the rotation, also long enough")
)

func newTestClock() *oauthtest.Clock { return oauthtest.NewClock(time.Now()) }

// instance is one process of the app.
type instance struct {
	URL    string
	keeper *Keeper
	logs   *oauthtest.LogBuffer
}

type instanceOptions struct {
	dir   string   // the session directory; a new one when empty
	keys  [][]byte // the Keeper's keys; testSecret when nil
	clock *oauthtest.Clock
	tweak func(*Options)
}

// newInstance starts an instance of the app on p.
func newInstance(t *testing.T, p *stubProvider, o instanceOptions) *instance {
	t.Helper()
	if o.dir == "" {
		o.dir = newSessionDir(t)
	}
	if o.keys == nil {
		o.keys = [][]byte{testSecret}
	}
	if o.clock == nil {
		o.clock = newTestClock()
	}
	logs := &oauthtest.LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	files, err := session.NewFileStore(o.dir, testSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := session.NewAtomicFileStore(files)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.NewManager(store, session.Options{
		InsecureCookieOverHTTP: true, HashKey: testSecret, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}

	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)

	client := oauth.NewClient(oauth.Config{
		ClientID:     stubClientID,
		ClientSecret: stubClientSecret,
		AuthorizeURL: p.srv.URL + "/authorize",
		TokenURL:     p.srv.URL + "/token",
		UserURL:      p.srv.URL + "/user",
		RedirectURL:  srv.URL + "/oauth/callback",
		Timeout:      5 * time.Second,
	}, nil)
	opts := Options{Keys: o.keys, RevocationURL: p.srv.URL + "/revoke", Logger: logger, Now: o.clock.Now}
	if o.tweak != nil {
		o.tweak(&opts)
	}
	keeper, err := New(client, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(keeper.Wait)
	fail := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { http.Error(w, f.Title, f.Status) }
	login := oauth.NewLogin(client, fail, oauth.LoginOptions{Logger: logger, OnLogin: keeper.OnLogin})
	ended := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "the login at the provider has ended; log in again")
	})

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", sessions.Middleware(keeper.Guard(login.Require(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			tok, err := keeper.Current(r)
			switch {
			case errors.Is(err, ErrLoginEnded):
				http.Redirect(w, r, "/", http.StatusSeeOther)
			case errors.Is(err, ErrUnavailable):
				fmt.Fprintln(w, "unavailable")
			case errors.Is(err, ErrNotKept):
				fmt.Fprintln(w, "not kept")
			case err != nil:
				http.Error(w, err.Error(), http.StatusInternalServerError)
			default:
				fmt.Fprintf(w, "token %s\n", tok.AccessToken)
			}
		})), ended)))
	mux.Handle("GET /oauth/callback", sessions.Middleware(http.HandlerFunc(login.Callback)))
	mux.Handle("POST /logout", sessions.Middleware(keeper.Logout(http.HandlerFunc(login.Logout))))
	mux.HandleFunc("GET /signed-out", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "signed out") })
	handler = mux
	return &instance{URL: srv.URL, keeper: keeper, logs: logs}
}

// browser is one person's browser: a cookie jar, following redirects.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// get opens url and returns the page's status and text; it may run in a
// goroutine, so it returns errors rather than failing the test.
func (b *browser) get(url string) (int, string, error) {
	resp, err := b.client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body)), err
}

// page opens url and fails the test unless it answers 200.
func (b *browser) page(url string) string {
	b.t.Helper()
	status, body, err := b.get(url)
	if err != nil || status != http.StatusOK {
		b.t.Fatalf("GET %s: %d %q %v", url, status, body, err)
	}
	return body
}

// logIn logs in on inst (the stand-in provider approves at once) and
// returns the access token the home page shows.
func (b *browser) logIn(inst *instance) string {
	b.t.Helper()
	body := b.page(inst.URL + "/")
	token, ok := strings.CutPrefix(body, "token ")
	if !ok {
		b.t.Fatalf("after login, the home page says %q; want a token", body)
	}
	return token
}

func (b *browser) logOut(inst *instance) {
	b.t.Helper()
	resp, err := b.client.Post(inst.URL+"/logout", "application/x-www-form-urlencoded", nil)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/signed-out" {
		b.t.Fatalf("logout ended at %s with %d; want the signed-out page", resp.Request.URL, resp.StatusCode)
	}
}

// newSessionDir names a session directory for a test; the store makes it.
func newSessionDir(t *testing.T) string { return filepath.Join(t.TempDir(), "sessions") }

// sessionFiles returns the contents of each session file in dir.
func sessionFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string][]byte)
	for _, e := range entries {
		if len(e.Name()) != 64 {
			continue // lock files
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}
