package templates

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// backForwardReload is the one script the pages carry, on the home page.
// Over plain http (local development), WebKit, the engine of Safari, keeps
// even a page marked Cache-Control: no-store in its back-forward cache, so
// after logout the Back button would show the logged-in page again from
// memory. The script reloads a page that is restored from that cache: the
// server then answers, and a logged-out visitor is not shown the page.
// Over https browsers ask the server again by themselves.
const backForwardReload = `addEventListener("pageshow", function (e) { if (e.persisted) location.reload(); });`

// contentSecurityPolicy allows the pages exactly what they use: their own
// inline stylesheet, and the one script above, named by the base64 of its
// SHA-256 (CSP Level 3, "hash-source"), so that any other script, injected
// or not, would not run. Nothing is loaded from elsewhere, and no other
// site may frame the pages (clickjacking). A test checks the hash.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; " +
	"script-src 'sha256-NQTvQZtaA2TpvNvlv5Yep33j+e7XcCJ+GlYmLsjYB7Q='; base-uri 'none'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every response should carry
// (OWASP HTTP Headers Cheat Sheet): the content security policy above, no MIME
// sniffing, no framing for older browsers, and a Referer that names only
// this site's origin to others. With hsts, browsers are also told to use
// https only; send it only from a site that is served over https.
func SecurityHeaders(next http.Handler, hsts bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// Recover turns a panic in a handler into the plain error page with status
// 500. Go's server would recover too, but it would drop the connection
// without an answer. The stack goes to the log,
// never to the visitor.
func (p *Pages) Recover(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the handler's own way to abort the response quietly
			}
			logger.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err := p.RenderError(w, Error{Status: http.StatusInternalServerError, Title: "Something went wrong",
				Message: "The server hit an unexpected problem. Please try again."})
			if err != nil {
				logger.Error("render error page", "err", err)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
