// Command pairing is the yardstick of oauthlogin's performance report
// (oauth/e2e/perf_test.go): the same login written the way it is most often
// written in Go with libraries, golang.org/x/oauth2 for the authorization
// code grant and github.com/alexedwards/scs/v2 for sessions, kept in scs's
// default in-memory store. It serves the home page of a logged-in person,
// sends anyone else to the provider, and logs nothing per request, as such
// an app does by default.
//
// It is a separate module under testdata so that oauthlogin's go.mod keeps
// no require: go build, go vet and go test from the repository's root
// never see it. It is measured, not offered: it has no PKCE, no logout, and
// its sessions end when the process does.
//
// Its settings come from the environment: ADDR, CLIENT_ID, CLIENT_SECRET,
// AUTHORIZE_URL, TOKEN_URL, USER_URL and REDIRECT_URL.
package main

import (
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/alexedwards/scs/v2"
	"golang.org/x/oauth2"
)

// homePage is the page a logged-in person sees. It has the size and shape
// of oauthlogin's home page (three values, each escaped by html/template,
// and a sign-out button that leads nowhere here), so that the comparison
// is of everything around the page; the report checks the size.
//
//go:embed home.html
var homePage string

// server holds what the handlers share; none of it changes once main has
// built it.
type server struct {
	sessions *scs.SessionManager
	oauth    *oauth2.Config
	userURL  string
	home     *template.Template
}

// profile is what the provider's user endpoint says, as far as the page
// needs it.
type profile struct {
	Login string `json:"login"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

func main() {
	env := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			log.Fatalf("%s is not set", name)
		}
		return v
	}
	sessions := scs.New() // the in-memory store (memstore) by default
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Secure = false // plain http on loopback
	s := &server{
		sessions: sessions,
		oauth: &oauth2.Config{
			ClientID:     env("CLIENT_ID"),
			ClientSecret: env("CLIENT_SECRET"),
			Endpoint:     oauth2.Endpoint{AuthURL: env("AUTHORIZE_URL"), TokenURL: env("TOKEN_URL")},
			RedirectURL:  env("REDIRECT_URL"),
		},
		userURL: env("USER_URL"),
		home:    template.Must(template.New("home").Parse(homePage)),
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.homeOrLogin)
	mux.HandleFunc("GET /oauth/callback", s.callback)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{
		Addr:              env("ADDR"),
		Handler:           sessions.LoadAndSave(mux),
		ReadHeaderTimeout: 5 * time.Second,
	}
	log.Fatal(srv.ListenAndServe())
}

// homeOrLogin shows the home page to a logged-in person, and sends anyone
// else to the provider with a new state kept in their session.
func (s *server) homeOrLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	username := s.sessions.GetString(ctx, "username")
	if username == "" {
		state := rand.Text()
		s.sessions.Put(ctx, "state", state)
		http.Redirect(w, r, s.oauth.AuthCodeURL(state), http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	err := s.home.Execute(w, profile{Login: username, Name: s.sessions.GetString(ctx, "name"),
		Email: s.sessions.GetString(ctx, "email")})
	if err != nil {
		log.Printf("render home: %v", err)
	}
}

// callback checks the state, redeems the code, asks the provider who
// logged in, and stores them in a session with a new token (against
// session fixation).
func (s *server) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	state := s.sessions.PopString(ctx, "state")
	if state == "" || r.URL.Query().Get("state") != state {
		http.Error(w, "invalid state", http.StatusBadRequest)
		return
	}
	token, err := s.oauth.Exchange(ctx, r.URL.Query().Get("code"))
	if err != nil {
		http.Error(w, "could not redeem the code", http.StatusBadGateway)
		return
	}
	u, err := s.fetchProfile(s.oauth.Client(ctx, token))
	if err != nil {
		http.Error(w, "could not read the profile", http.StatusBadGateway)
		return
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		http.Error(w, "session error", http.StatusInternalServerError)
		return
	}
	s.sessions.Put(ctx, "username", u.Login)
	s.sessions.Put(ctx, "name", u.Name)
	s.sessions.Put(ctx, "email", u.Email)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// fetchProfile gets the user endpoint with client, which carries the
// access token.
func (s *server) fetchProfile(client *http.Client) (profile, error) {
	resp, err := client.Get(s.userURL)
	if err != nil {
		return profile{}, fmt.Errorf("get %s: %w", s.userURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return profile{}, fmt.Errorf("get %s: %s", s.userURL, resp.Status)
	}
	var u profile
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
		return profile{}, fmt.Errorf("decode profile: %w", err)
	}
	return u, nil
}
