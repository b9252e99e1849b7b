package templates

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// contentSecurityPolicy allows the pages exactly what they use: their own
// inline stylesheet. They have no scripts, no images from elsewhere and no
// frames, so an injected script would not run and no other site may frame
// them (clickjacking).
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"

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
