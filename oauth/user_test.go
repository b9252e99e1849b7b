package oauth

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

// TestChecklist27_UserRequest checks oauth/SECURITY.md #27: the profile is
// fetched with a GET carrying the access token in the Authorization header
// only.
func TestChecklist27_UserRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	h.newBrowser().login(t, "/private")
	tokens := h.issuedTokens()
	reqs := h.as.UserRequests()
	if len(tokens) != 1 || len(reqs) != 1 {
		t.Fatalf("%d tokens issued and %d user requests, want 1 and 1", len(tokens), len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodGet {
		t.Errorf("method %s, want GET", r.Method)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+tokens[0] {
		t.Errorf("Authorization %q, want the issued bearer token", got)
	}
	if r.RawQuery != "" || len(r.Form) != 0 {
		t.Errorf("URL query %q, form %v; want neither", r.RawQuery, r.Form)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept %q, want application/json", got)
	}
}

// serveUser answers the user endpoint with status, content type and body,
// and passes every other request to the provider.
func serveUser(status int, contentType, body string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, as http.Handler) {
		if r.URL.Path != "/user" {
			as.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// TestChecklist28_UserResponse checks oauth/SECURITY.md #28: only a 200
// with a JSON object is a profile; anything else fails the login.
func TestChecklist28_UserResponse(t *testing.T) {
	t.Parallel()
	const profile = `{"id":1,"login":"ada"}`
	tests := []struct {
		name string
		opts harnessOptions
		user oauthtest.UserFault
	}{
		{"#28 401 invalid_token", harnessOptions{}, oauthtest.UserUnauthorized},
		{"#28 500", harnessOptions{}, oauthtest.UserServerError},
		{"#28 200 with a body that is not JSON", harnessOptions{}, oauthtest.UserGarbage},
		{"#28 200 with a profile as text/html", harnessOptions{provider: serveUser(200, "text/html", profile)}, oauthtest.UserOK},
		{"#28 201 with a profile", harnessOptions{provider: serveUser(201, "application/json", profile)}, oauthtest.UserOK},
		{"#28 200 with a JSON array", harnessOptions{provider: serveUser(200, "application/json", `[`+profile+`]`)}, oauthtest.UserOK},
		{"#28 200 with 2 MiB of profile", harnessOptions{provider: serveUser(200, "application/json",
			`{"id":1,"login":"`+strings.Repeat("a", 2<<20)+`"}`)}, oauthtest.UserOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts)
			h.as.Misbehave(oauthtest.Misbehaviour{User: tt.user})
			checkFailedLogin(t, h, http.StatusBadGateway)
		})
	}
}

// TestChecklist29_ProfileMapping checks how a profile becomes a User
// (oauth/SECURITY.md #29): the provider's id, present and of sane type and
// length, is the identity; names are kept as data, for the templates to
// escape.
func TestChecklist29_ProfileMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		profile string
		want    *User // nil: refused
	}{
		{"#29 no id", `{"login":"ada","email":"ada@example.test"}`, nil},
		{"#29 empty id", `{"id":"","login":"ada"}`, nil},
		{"#29 10 KB id", `{"id":"` + strings.Repeat("7", 10<<10) + `","login":"ada"}`, nil},
		{"#29 id null", `{"id":null,"login":"ada"}`, nil},
		{"#29 id true", `{"id":true,"login":"ada"}`, nil},
		{"#29 id 1.5", `{"id":1.5,"login":"ada"}`, nil},
		{"#29 id an object", `{"id":{"n":1},"login":"ada"}`, nil},
		{"#29 10 KB name", `{"id":1,"login":"ada","name":"` + strings.Repeat("n", 10<<10) + `"}`, nil},
		{"#29 not an object", `["id",1]`, nil},
		{"#29 null", `null`, nil},
		{"#29 a second object after the first", `{"id":1,"login":"ada"} {"id":2,"login":"eve"}`, nil},
		{"#29 GitHub numeric id 2^60 kept exact", `{"id":1152921504606846976,"login":"ada"}`,
			&User{Subject: "1152921504606846976", Username: "ada"}},
		{"#29 id 2^60+1, which a float64 would round, kept exact", `{"id":1152921504606846977,"login":"ada"}`,
			&User{Subject: "1152921504606846977", Username: "ada"}},
		{"#29 OpenID Connect claims", `{"sub":"248289761001","preferred_username":"ada","email":"ada@example.test"}`,
			&User{Subject: "248289761001", Username: "ada", Email: "ada@example.test"}},
		{"#29 display name with markup kept as data", `{"id":7,"login":"ada","name":"<img src=x onerror=alert(1)>"}`,
			&User{Subject: "7", Username: "ada", Name: "<img src=x onerror=alert(1)>"}},
		{"#29 no login name: only name fields fill it", `{"id":7,"email":"ada@example.test"}`,
			&User{Subject: "7", Username: "", Email: "ada@example.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := parseUser([]byte(tt.profile), UserFields{})
			switch {
			case tt.want == nil && err == nil:
				t.Errorf("got %+v, want an error", u)
			case tt.want != nil && err != nil:
				t.Errorf("got %v, want %+v", err, *tt.want)
			case tt.want != nil && u != *tt.want:
				t.Errorf("got %+v, want %+v", u, *tt.want)
			}
		})
	}
	t.Run("#29 same login and e-mail, different id: different users", func(t *testing.T) {
		t.Parallel()
		a, errA := parseUser([]byte(`{"id":1,"login":"ada","email":"ada@example.test"}`), UserFields{})
		b, errB := parseUser([]byte(`{"id":2,"login":"ada","email":"ada@example.test"}`), UserFields{})
		if errA != nil || errB != nil || a.Subject == b.Subject {
			t.Errorf("got %+v (%v) and %+v (%v), want two subjects", a, errA, b, errB)
		}
	})

	// Through the callback: a profile without a usable id fails the login,
	// and a large numeric id reaches the session exactly.
	for _, profile := range []string{`{"login":"ada"}`, `{"id":"","login":"ada"}`, `{"id":"` + strings.Repeat("7", 10<<10) + `"}`} {
		t.Run("#29 login with profile "+profile[:min(len(profile), 24)], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{provider: serveUser(200, "application/json", profile)})
			checkFailedLogin(t, h, http.StatusBadGateway)
		})
	}
	t.Run("#29 login with id 2^60+1", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{provider: serveUser(200, "application/json", `{"id":1152921504606846977,"login":"ada"}`)})
		b := h.newBrowser()
		b.login(t, "/private")
		h.assertLoggedIn(t, b.cookie)
		if rec, _ := h.readRecord(b.cookie); rec.Values.User == nil || rec.Values.User.Subject != "1152921504606846977" {
			t.Errorf("session user %+v, want subject 1152921504606846977", rec.Values.User)
		}
	})
}

// TestChecklist30_LoginIsAtomic fails the profile fetch after a good token
// exchange (oauth/SECURITY.md #30): no user is stored, the visitor stays
// anonymous, and the state is used up.
func TestChecklist30_LoginIsAtomic(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	authURL, _ := b.startLogin(t, "/private")
	before := b.cookie
	callback, _ := h.approve(t, authURL)
	h.as.Misbehave(oauthtest.Misbehaviour{User: oauthtest.UserServerError})
	if resp := b.get(callback); resp.Status != http.StatusBadGateway {
		t.Fatalf("callback: %v, want 502", resp)
	}
	for _, c := range []string{before, b.cookie} {
		if rec, ok := h.readRecord(c); ok && (rec.Values.User != nil || len(rec.Values.Pending) != 0) {
			t.Errorf("session record after the failure: %+v; want no user and no pending login", rec.Values)
		}
	}
	h.assertAnonymous(t, b.cookie, before)
	h.as.Misbehave(oauthtest.Misbehaviour{})
	if resp := (&browser{h: h, cookie: before}).get(callback); resp.Status != http.StatusBadRequest || h.tokenCalls() != 1 {
		t.Errorf("replay: %v, %d token calls; want 400 and 1", resp, h.tokenCalls())
	}
}
