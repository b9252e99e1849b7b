package oauth

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseUser feeds arbitrary profiles and field paths to the mapping:
// it never panics, and a profile it accepts always has an id and fields
// that fit the session (TestChecklist20, TestChecklist29). The user name
// may be empty: FetchUser fills it in.
func FuzzParseUser(f *testing.F) {
	f.Add([]byte(`{"id":1,"login":"ada","name":"Ada","email":"ada@example.test"}`), "")
	f.Add([]byte(`{"sub":"x","preferred_username":"ada"}`), "")
	f.Add([]byte(`{"id":1152921504606846976}`), "")
	f.Add([]byte(`{"id":1.5}`), "")
	f.Add([]byte(`{"data":{"id":7,"attributes":{"login":"ada"}}}`), "data.attributes.login")
	f.Add([]byte(`{"id":"1"} {"id":"2"}`), "")
	f.Add([]byte(`[]`), "")
	f.Add([]byte(`null`), "")
	f.Add([]byte("{\"id\":\"\xff\"}"), "")
	f.Fuzz(func(t *testing.T, body []byte, usernamePath string) {
		u, err := parseUser(body, UserFields{Username: usernamePath})
		if err != nil {
			return
		}
		if u.Subject == "" {
			t.Fatalf("accepted a profile without an id: %+v", u)
		}
		for _, field := range []string{u.Subject, u.Username, u.Name, u.Email} {
			if len(field) > maxProfileField || !utf8.ValidString(field) {
				t.Fatalf("accepted a field of %d bytes or invalid UTF-8: %q", len(field), field)
			}
		}
	})
}
