package oauthtest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

type profile struct {
	ID                int64  `json:"id"`
	Login             string `json:"login"`
	Name              string `json:"name"`
	Email             string `json:"email"`
	Subject           string `json:"sub"`
	PreferredUsername string `json:"preferred_username"`
}

// profileOf signs in as user on a new provider and returns the profile
// GET /user answers with.
func profileOf(t *testing.T, user string) profile {
	t.Helper()
	cfg := config()
	cfg.AutoApprove = user
	s := start(t, cfg)
	r := getUser(t, s, s.UserURL(), "Bearer "+signIn(t, s))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, headers %v, body %s", r.status, r.header, r.body)
	}
	var p profile
	decodeJSON(t, r.body, &p)
	return p
}

func TestUserProfile(t *testing.T) {
	alice := profileOf(t, "alice")

	want := profile{
		ID:                alice.ID,
		Login:             "alice",
		Name:              "Alice (dev)",
		Email:             "alice@example.test",
		Subject:           strconv.FormatInt(alice.ID, 10),
		PreferredUsername: "alice",
	}
	if alice != want {
		t.Errorf("profile = %+v, want %+v", alice, want)
	}
	// JavaScript's numbers hold integers exactly up to 2^53-1.
	if alice.ID < 1 || alice.ID > 1<<53-1 {
		t.Errorf("id = %d, want between 1 and 2^53-1", alice.ID)
	}
}

func TestUserIDIsStable(t *testing.T) {
	first, second, bob := profileOf(t, "alice"), profileOf(t, "alice"), profileOf(t, "bob")
	if first.ID != second.ID {
		t.Errorf("alice has IDs %d and %d on two providers, want one", first.ID, second.ID)
	}
	if first.ID == bob.ID {
		t.Errorf("alice and bob share the ID %d", bob.ID)
	}
}

func TestUserEndpointWantsABearerToken(t *testing.T) {
	s := start(t, config())
	token := signIn(t, s)
	tests := []struct {
		name          string
		query         string
		authorization string
		wantStatus    int
		wantError     string // in the WWW-Authenticate challenge; "" for none
	}{
		{"bearer", "", "Bearer " + token, http.StatusOK, ""},
		{"scheme in lower case", "", "bearer " + token, http.StatusOK, ""},
		// RFC 6750 §3.1: without credentials, the challenge has no error code.
		{"no credentials", "", "", http.StatusUnauthorized, ""},
		{"basic", "", "Basic YTpi", http.StatusUnauthorized, ""},
		{"empty token", "", "Bearer ", http.StatusBadRequest, "invalid_request"},
		{"unknown token", "", "Bearer " + strings.Repeat("A", 43), http.StatusUnauthorized, "invalid_token"},
		{"token in the query", "?access_token=" + token, "", http.StatusBadRequest, "invalid_request"},
		{"token in the query too", "?access_token=" + token, "Bearer " + token, http.StatusBadRequest, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := getUser(t, s, s.UserURL()+tt.query, tt.authorization)

			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", r.status, tt.wantStatus, r.body)
			}
			challenge := r.header.Get("WWW-Authenticate")
			switch {
			case tt.wantStatus == http.StatusOK:
				if challenge != "" {
					t.Errorf("WWW-Authenticate = %q on success", challenge)
				}
			case tt.wantError == "":
				if challenge != `Bearer realm="oauthtest"` {
					t.Errorf("WWW-Authenticate = %q, want a bare Bearer challenge", challenge)
				}
			default:
				if !strings.HasPrefix(challenge, `Bearer realm="oauthtest", error="`+tt.wantError+`", error_description="`) {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge with error %s", challenge, tt.wantError)
				}
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
	if got := s.UserCalls(); got != len(tests) {
		t.Errorf("UserCalls() = %d, want %d", got, len(tests))
	}
	recorded := s.UserRequests()
	if len(recorded) != len(tests) || recorded[0].Method != http.MethodGet || recorded[0].Header.Get("Authorization") != "Bearer "+token {
		t.Errorf("UserRequests() = %+v", recorded)
	}
	if last := recorded[len(recorded)-1]; last.RawQuery != "access_token="+token {
		t.Errorf("last recorded RawQuery = %q", last.RawQuery)
	}
}

func TestAccessTokenExpiresAfterOneHour(t *testing.T) {
	clock := newFakeClock()
	cfg := config()
	cfg.Now = clock.Now
	s := start(t, cfg)
	token := signIn(t, s)

	clock.Advance(time.Hour - time.Second)
	if r := getUser(t, s, s.UserURL(), "Bearer "+token); r.status != http.StatusOK {
		t.Fatalf("before expiry: status = %d, want 200", r.status)
	}
	clock.Advance(time.Second)
	r := getUser(t, s, s.UserURL(), "Bearer "+token)
	if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("after expiry: status %d, WWW-Authenticate %q; want 401 invalid_token", r.status, r.header.Get("WWW-Authenticate"))
	}
}
