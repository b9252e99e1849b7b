package oauth

import (
	"net/url"
	"strings"
)

// maxReturnPath bounds the remembered page; a longer one is replaced by "/".
const maxReturnPath = 2048

// safeReturnPath returns target if it is a path on this site, and "/"
// otherwise. After login the visitor is sent to the page they first asked
// for, and a redirect to anywhere else would make this application an open
// redirector (RFC 9700 §4.11.1; RFC 6749 §10.15).
//
// A path on this site starts with exactly one "/". Browsers read "//host"
// and, leniently, "/\host" as another host, and drop tabs and newlines
// before parsing, so backslashes and control characters are refused
// outright rather than interpreted.
func safeReturnPath(target string) string {
	if target == "" || len(target) > maxReturnPath || target[0] != '/' || strings.HasPrefix(target, "//") ||
		strings.ContainsFunc(target, func(c rune) bool { return c == '\\' || c < 0x20 || c == 0x7f }) {
		return "/"
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return "/"
	}
	return target
}
