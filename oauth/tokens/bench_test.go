package tokens

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"oauthlogin/session"
)

// BenchmarkCurrent is the cost of a token that needs no refresh: read from
// the session the request loaded, and opened. No store, no provider.
func BenchmarkCurrent(b *testing.B) {
	key, err := newSealKey(testSecret)
	if err != nil {
		b.Fatal(err)
	}
	k := &Keeper{keys: []sealKey{key}, margin: defaultMargin, now: newTestClock().Now}
	files, err := session.NewFileStore(b.TempDir()+"/sessions", testSecret, nil)
	if err != nil {
		b.Fatal(err)
	}
	m, err := session.NewManager(files, session.Options{HashKey: testSecret, InsecureCookieOverHTTP: true})
	if err != nil {
		b.Fatal(err)
	}
	login := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := session.FromRequest(r).Renew(func(v *session.Values) error {
			sealed, err := seal(k.keys, tokenSet{Access: "access-token", Type: "Bearer", Refresh: "refresh-token",
				Obtained: k.now().UnixMilli()}, v.Binding)
			if err != nil {
				return err
			}
			return v.Put(keptKey, kept{Sealed: sealed})
		})
		if err != nil {
			b.Fatal(err)
		}
	})).ServeHTTP(login, httptest.NewRequest(http.MethodGet, "/", nil))
	cookie := login.Result().Cookies()[0]

	// One request, whose session is loaded once; Current alone is timed.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(cookie)
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var tok *Token
		b.ReportAllocs()
		for b.Loop() {
			if tok, err = k.Current(r); err != nil {
				b.Fatal(err)
			}
		}
		if tok.AccessToken != "access-token" {
			b.Fatalf("token %+v", tok)
		}
	})).ServeHTTP(httptest.NewRecorder(), req)
}
