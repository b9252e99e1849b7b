package access

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"oauthlogin/oauth"
)

// TestGetJSONTakesOnlyAnAnswerOf200: an API answer counts only with 200
// and the JSON expected. A list that comes with an error status (a proxy's
// error page, an API that lists what it could before failing) must not be
// read as the person's addresses or groups.
func TestGetJSONTakesOnlyAnAnswerOf200(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		ok     bool
	}{
		{http.StatusOK, `["acme"]`, true},
		{http.StatusInternalServerError, `["acme"]`, false},
		{http.StatusOK, `{"not":"a list"}`, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(tt.status)
			w.Write([]byte(tt.body))
		}))
		var got []string
		err := getJSON(context.Background(), oauth.NewClient(oauth.Config{}, nil), &oauth.Token{AccessToken: testToken}, srv.URL, &got)
		srv.Close()
		if tt.ok && (err != nil || len(got) != 1) {
			t.Errorf("HTTP %d %s: %v, %v; want the list", tt.status, tt.body, got, err)
		}
		if !tt.ok && !errors.Is(err, oauth.ErrUnexpectedResponse) {
			t.Errorf("HTTP %d %s: %v; want ErrUnexpectedResponse", tt.status, tt.body, err)
		}
	}
}
