package oauth

import (
	"net/http"

	"oauthlogin/session"
)

// SignedOutPath is where [Login.Logout] sends the browser, unless
// [LoginOptions.SignedOutPath] names another page.
const SignedOutPath = "/signed-out"

// SignedOut serves the page that logout ends on. It is public: it never
// starts a login by itself, so a person who logged out stays logged out,
// even with a provider that would log them straight back in (GitHub
// ignores prompt=login). The page should offer a button that opens a
// protected page, which starts a normal login.
//
// show renders the page. It gets the user when the visitor is still logged
// in, so that someone who bookmarked the page is not told they are logged
// out when they are not; otherwise nil. Mount SignedOut behind
// [session.Manager.Middleware], without [Login.Require].
func (l *Login) SignedOut(show func(w http.ResponseWriter, r *http.Request, u *User)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// What the page says depends on the session, and after logout the
		// Back button must not bring back a version that showed a user.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "Cookie")
		var u User
		found, err := session.FromRequest(r).Get(userKey, &u)
		if err != nil || !found {
			show(w, r, nil)
			return
		}
		show(w, r, &u)
	})
}
