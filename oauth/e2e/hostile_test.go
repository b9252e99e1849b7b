package e2e

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHostileInputs (issue 6) sends the running binary what an attacker
// would: malformed and stolen-looking cookies, forged and replayed
// callbacks, open-redirect return paths, a spoofed Host, huge headers and
// methods that are not routed. Each row names the oauth/SECURITY.md item it
// exercises and the exact answer the code should give; on top of that, every
// row checks the same invariants:
//
//   - the answer is never 500, and never the home page;
//   - no Set-Cookie logs anybody in, or hands back an ID the client chose;
//     afterwards the attacker's cookie jar is still anonymous, and the
//     victim logged in before the table is still logged in;
//   - the row's marker, <x-hostile-N>, appears raw in no body or header;
//   - every Location is the provider's authorize URL with the configured
//     redirect_uri, or a path on this site;
//   - no session file appears unless the row starts a login, and no file
//     outside the session directories changes (checked once, at the end);
//   - the app logs no panic, and only JSON lines (a line break smuggled
//     into a log record would split it).
func TestHostileInputs(t *testing.T) {
	site := startApp(t, appOptions{Env: map[string]string{"SECRET": hostileSecret, "LOGIN_RATE_LIMIT": "0"}})
	limited := startApp(t, appOptions{Env: map[string]string{"SECRET": hostileSecret, "LOGIN_RATE_LIMIT": "20"}}) // a limit that 50 starts exceed

	// Decoys outside the session directories. A store that joined the
	// cookie to its directory would read, write or delete these; the
	// session directory is <work dir>/sessions, so the cookie
	// ../../etc/passwd would land on <root>/etc/passwd.
	root := filepath.Dir(site.cmd.Dir)
	for _, dir := range []string{root, site.cmd.Dir, filepath.Dir(site.SessionDir), limited.cmd.Dir} {
		writeFile(t, filepath.Join(dir, "SENTINEL"), "do not touch\n")
	}
	writeFile(t, filepath.Join(root, "etc", "passwd"), "root:x:0:0:decoy:/root:/bin/sh\n")
	writeFile(t, filepath.Join(root, "x"), "decoy\n")
	outside := treeSnapshot(t, root, site.SessionDir, limited.SessionDir)

	// The victim: a logged-in user whose session no row may touch.
	victim := newVisitor(t)
	if r := victim.login(site, "/", "victim"); r.location != "/" {
		t.Fatalf("victim's login landed on %q", r.location)
	}
	vic := hostileVictim{client: victim.client, cookie: victim.cookie(site)}
	vic.file = sessionFileName(vic.cookie)
	if _, err := os.Stat(filepath.Join(site.SessionDir, vic.file)); err != nil {
		t.Fatalf("the victim's session file: %v", err)
	}

	cases := hostileCases()
	if len(cases) < 40 {
		t.Fatalf("%d rows; issue 6 asks for at least 40", len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := &hostileRun{t: t, app: site, main: site, victim: vic, attacker: newVisitor(t),
				marker: fmt.Sprintf("<x-hostile-%d>", i+1)}
			if c.limited {
				h.app = limited
			}
			h.qmarker = url.QueryEscape(h.marker)
			h.run(c)
		})
	}

	if got := treeSnapshot(t, root, site.SessionDir, limited.SessionDir); !equalSnapshots(t, outside, got) {
		t.Errorf("files outside the session directories changed")
	}
	for _, a := range []*app{site, limited} {
		checkLogLines(t, a.Logs())
	}
}

// hostileSecret is the SECRET the apps run with; the test uses it to name
// session files the way the store does.
const hostileSecret = "hostile-session-key-0123456789abcdef0123456789"

// hostileCase is one row of the table.
type hostileCase struct {
	name     string
	build    func(h *hostileRun) attack // prepares what the attack needs and returns the request
	want     int                        // the status; 302 means "to the provider's authorize URL"
	newFiles int                        // session files the request itself may create
	location string                     // the exact Location, for 303 and 307 answers

	// finishAs, when set, completes at the provider the login the request
	// started, as this user, and expects the callback to land on
	// finalLocation (oauth/SECURITY.md #46), in which {marker} stands for
	// the row's query-escaped marker.
	finishAs      string
	finalLocation string

	limited bool // against the app that keeps the default rate limit
}

// attack is one raw HTTP/1.x request, written to the socket byte for byte,
// so that nothing normalises the target, the Host or the headers.
type attack struct {
	method  string   // default GET
	target  string   // the request-target as sent; default "/"
	proto   string   // default HTTP/1.1
	host    string   // the Host header; default the app's; noHost leaves it out
	headers []string // more header lines, as sent
	cookie  string   // the Cookie header; when empty, the jar's cookies are sent
	jar     *visitor // whose cookies go out and who keeps what is set; default the row's attacker
	body    []byte

	then func(r response) // checks of this row only, after the common ones
}

const noHost = "\x00no Host header"

type hostileVictim struct {
	client *http.Client
	cookie string // the victim's session ID
	file   string // its file name in the session directory
}

// hostileRun is one row being run.
type hostileRun struct {
	t        *testing.T
	app      *app // the app this row attacks
	main     *app // the app the victim is logged in to
	victim   hostileVictim
	attacker *visitor // a fresh cookie jar for each row
	marker   string   // <x-hostile-N>, put into every input that can carry it
	qmarker  string   // the marker, query-escaped
}

func hostileCases() []hostileCase {
	// Cookie rows: GET / with this Cookie header; anything but an ID the
	// server issued is an anonymous visitor, sent to log in under a new ID.
	withCookie := func(value string) func(h *hostileRun) attack {
		return func(*hostileRun) attack { return attack{cookie: sessionCookie + "=" + value} }
	}
	callback := func(params ...string) string { return "/oauth/callback?" + strings.Join(params, "&") }
	onVictim := func(method, target string, headers ...string) func(h *hostileRun) attack {
		return func(h *hostileRun) attack {
			return attack{method: method, target: target, headers: headers, jar: h.victimVisitor()}
		}
	}

	return []hostileCase{
		// #39, #32: the cookie is checked for shape before the disk is touched,
		// and only an ID the server issued is ever adopted.
		{name: "#39 cookie ../../etc/passwd", build: withCookie("../../etc/passwd"), want: 302, newFiles: 1},
		{name: "#39 cookie ..%2F..%2Fx", build: withCookie("..%2F..%2Fx"), want: 302, newFiles: 1},
		{name: "#39 cookie a/b", build: withCookie("a/b"), want: 302, newFiles: 1},
		{name: "#39 cookie .", build: withCookie("."), want: 302, newFiles: 1},
		{name: "#39 cookie ..", build: withCookie(".."), want: 302, newFiles: 1},
		{name: "#39 cookie %00", build: withCookie("%00"), want: 302, newFiles: 1},
		// Go's server refuses a header value with a control character.
		{name: "#39 cookie with a NUL byte", build: withCookie("abc\x00../x"), want: 400},
		// Go's cookie parser drops a value with a backslash: no cookie at all.
		{name: `#39 cookie C:\x`, build: withCookie(`C:\x`), want: 302, newFiles: 1},
		{name: "#39 cookie of 10 KB", build: withCookie(strings.Repeat("A", 10<<10)), want: 302, newFiles: 1},
		{name: "#39 cookie of 43 non-base64url characters", build: withCookie(strings.Repeat("+/", 21) + "="), want: 302, newFiles: 1},
		{name: "#39 cookie of 43 base64url characters, not canonical", build: withCookie(strings.Repeat("A", 42) + "B"), want: 302, newFiles: 1},
		{name: "#32 cookie of valid shape, never issued", build: func(*hostileRun) attack {
			return attack{cookie: sessionCookie + "=" + unknownID()}
		}, want: 302, newFiles: 1},
		{name: "#39 cookie = the victim's session file name", build: func(h *hostileRun) attack {
			return attack{cookie: sessionCookie + "=" + h.victim.file}
		}, want: 302, newFiles: 1},
		{name: "#32 cookie = the victim's ID with one character flipped", build: func(h *hostileRun) attack {
			return attack{cookie: sessionCookie + "=" + flipFirst(h.victim.cookie)}
		}, want: 302, newFiles: 1},
		{name: "#32 two session cookies", build: func(h *hostileRun) attack {
			return attack{cookie: sessionCookie + "=" + flipFirst(h.victim.cookie) + "; " + sessionCookie + "=" + unknownID()}
		}, want: 302, newFiles: 1},
		{name: "#39 empty session cookie", build: withCookie(""), want: 302, newFiles: 1},
		{name: "#39 cookie with markup", build: func(h *hostileRun) attack {
			return attack{cookie: sessionCookie + "=" + h.marker}
		}, want: 302, newFiles: 1},
		{name: "#32 the victim's ID in a cookie under another name", build: func(h *hostileRun) attack {
			return attack{cookie: "__Host-session=" + h.victim.cookie + "; sid=" + h.victim.cookie}
		}, want: 302, newFiles: 1},
		{name: "#32 the victim's ID in the query and in headers, not in the cookie", build: func(h *hostileRun) attack {
			id := h.victim.cookie
			return attack{target: "/?session=" + id + "&__Host-session=" + id + "&sid=" + id,
				headers: []string{"X-Session-ID: " + id, "Authorization: Bearer " + id}}
		}, want: 302, newFiles: 1},
		{name: "#45 healthz with a hostile cookie", build: func(*hostileRun) attack {
			return attack{target: "/healthz", cookie: sessionCookie + "=../../etc/passwd"}
		}, want: 200},

		// #8-#11: the callback believes nothing before the state is matched
		// and consumed; one generic 400 for every untrustworthy callback.
		{name: "#8 callback without state", build: func(h *hostileRun) attack {
			h.pendingState(h.attacker)
			return attack{target: callback("code=abc", "x="+h.qmarker)}
		}, want: 400},
		{name: "#11 callback with an empty state", build: func(h *hostileRun) attack {
			h.pendingState(h.attacker)
			return attack{target: callback("state=", "code=abc", "x="+h.qmarker)}
		}, want: 400},
		{name: "#11 callback with the state twice", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+state, "state="+state, "code="+code, "x="+h.qmarker)}
		}, want: 400},
		{name: "#8 callback with a 10 KB state", build: func(h *hostileRun) attack {
			h.pendingState(h.attacker)
			return attack{target: callback("state="+strings.Repeat("S", 10<<10), "code=abc", "x="+h.qmarker)}
		}, want: 400},
		{name: "#11 callback with the code twice", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+state, "code="+code, "code="+code, "x="+h.qmarker)}
		}, want: 400},
		// The state is right, so the code goes to the provider, which
		// refuses it: a bad gateway, not a login.
		{name: "#8 callback with a 10 KB code and a valid state", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			return attack{target: callback("state="+state, "code="+strings.Repeat("C", 10<<10), "x="+h.qmarker)}
		}, want: 502},
		{name: "#8 login CSRF: the victim's browser opens the attacker's callback", build: func(h *hostileRun) attack {
			mallory := h.newVisitor()
			_, page := mallory.startLogin(h.app, "/")
			forged := mallory.submit(h.app, page, "mallory", "approve")
			target := newVisitor(h.t)
			target.startLogin(h.app, "/")
			return attack{target: strings.TrimPrefix(forged, h.app.URL), jar: target}
		}, want: 400},
		{name: "#8 another browser's state and code, with the attacker's own session", build: func(h *hostileRun) attack {
			other := h.newVisitor()
			_, page := other.startLogin(h.app, "/")
			stolen := other.submit(h.app, page, "someone", "approve")
			h.pendingState(h.attacker)
			return attack{target: strings.TrimPrefix(stolen, h.app.URL) + "&x=" + h.qmarker,
				then: func(response) {
					// The attempt used up nothing of the other browser's login.
					if r := other.get(stolen); r.status != http.StatusSeeOther {
						h.t.Errorf("the other browser's own callback afterwards: %d, want 303", r.status)
					}
				}}
		}, want: 400},
		{name: "#8 a valid state and code, without any cookie", build: func(h *hostileRun) attack {
			state, code := h.approved(h.newVisitor())
			return attack{target: callback("state="+state, "code="+code, "x="+h.qmarker)}
		}, want: 400},
		{name: "#8 state with one character flipped", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+flipFirst(state), "code="+code, "x="+h.qmarker)}
		}, want: 400},
		{name: "#8 state upper-cased", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+strings.ToUpper(state), "code="+code, "x="+h.qmarker)}
		}, want: 400},
		{name: "#8 state with a space appended", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+state+"%20", "code="+code, "x="+h.qmarker)}
		}, want: 400},
		{name: "#8 a prefix of the state", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+state[:len(state)-1], "code="+code, "x="+h.qmarker)}
		}, want: 400},
		{name: "#9 callback replayed after success, with the pre-login cookie", build: func(h *hostileRun) attack {
			mallory := h.newVisitor()
			_, page := mallory.startLogin(h.app, "/")
			preLogin := mallory.cookie(h.app)
			used := mallory.submit(h.app, page, "mallory", "approve")
			if r := mallory.get(used); r.status != http.StatusSeeOther {
				h.t.Fatalf("the login to replay: %d", r.status)
			}
			return attack{target: strings.TrimPrefix(used, h.app.URL), cookie: sessionCookie + "=" + preLogin,
				then: func(response) {
					if r := mallory.get(used); r.status != http.StatusBadRequest {
						h.t.Errorf("the same callback replayed with the logged-in cookie: %d, want 400", r.status)
					}
				}}
		}, want: 400},
		{name: "#10 error=access_denied with <script> in error_description", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			h.pendingState(h.attacker) // a second login keeps the session, so the replay below meets it
			a := attack{target: callback("error=access_denied",
				"error_description=%3Cscript%3Ealert(1)%3C/script%3E"+h.qmarker,
				"error_uri=javascript:alert(1)", "state="+state)}
			a.then = func(r response) {
				if strings.Contains(r.body, "<script>alert(1)") || strings.Contains(r.body, "javascript:") {
					h.t.Errorf("the error page reflects the description:\n%s", r.body)
				}
				if again := h.send(a); again.status != http.StatusBadRequest {
					h.t.Errorf("the same error callback replayed: %d, want 400 (the state is used up)", again.status)
				}
			}
			return a
		}, want: 403},
		{name: "#10 error with CR/LF and JSON in it", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			return attack{target: callback("error=access_denied%0D%0A%7B%22msg%22%3A%22login+succeeded%22%7D"+h.qmarker,
				"error_description=%0D%0A%7B%22level%22%3A%22ERROR%22%7D", "state="+state)}
		}, want: 502},
		{name: "#10 unknown error code", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			return attack{target: callback("error="+h.qmarker, "state="+state)}
		}, want: 502},
		{name: "#10 error without state", build: func(h *hostileRun) attack {
			h.pendingState(h.attacker)
			return attack{target: callback("error=access_denied", "error_description="+h.qmarker)}
		}, want: 400},
		{name: "#10 a valid state alone, neither code nor error", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			return attack{target: callback("state="+state, "x="+h.qmarker)}
		}, want: 400},
		{name: "#11 iss twice", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+state, "code="+code, "iss=https://evil.example", "iss="+h.qmarker)}
		}, want: 400},
		{name: "#11 error twice", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			return attack{target: callback("state="+state, "error=access_denied", "error="+h.qmarker)}
		}, want: 400},
		{name: "#11 malformed percent-encoding", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+state, "code="+code+"%zz", "x="+h.qmarker)}
		}, want: 400},
		{name: "#11 semicolon as a separator", build: func(h *hostileRun) attack {
			state, code := h.approved(h.attacker)
			return attack{target: callback("state="+state+";code="+code, "x="+h.qmarker)}
		}, want: 400},
		// The provider checks the code against this login's PKCE verifier.
		{name: "#8 a code from another login with this login's state", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			_, otherCode := h.approved(h.attacker)
			return attack{target: callback("state="+state, "code="+otherCode, "x="+h.qmarker)}
		}, want: 502},
		{name: "#52 callback with a 20 KB query", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			return attack{target: callback("state="+state, "pad="+strings.Repeat(h.qmarker, (20<<10)/len(h.qmarker)))}
		}, want: 400},
		{name: "#52 callback with a 100 KB query", build: func(h *hostileRun) attack {
			state := h.pendingState(h.attacker)
			return attack{target: callback("state="+state, "code=abc", "pad="+strings.Repeat("p", 100<<10))}
		}, want: http.StatusRequestHeaderFieldsTooLarge},

		// #46, #47: after login only a path on this site. The mux cleans
		// or refuses every path but "/" before the login check sees it, so
		// only "/" with a query, or an absolute-form target, starts a login.
		{name: "#46 //evil.example/", build: func(*hostileRun) attack {
			return attack{target: "//evil.example/"}
		}, want: 307, location: "/evil.example/"},
		{name: `#46 /\evil.example`, build: func(*hostileRun) attack { return attack{target: `/\evil.example`} }, want: 404},
		{name: "#46 /%2F%2Fevil.example", build: func(*hostileRun) attack { return attack{target: "/%2F%2Fevil.example"} }, want: 404},
		{name: "#46 /%5Cevil.example", build: func(*hostileRun) attack { return attack{target: "/%5Cevil.example"} }, want: 404},
		{name: "#46 /%09/evil.example", build: func(*hostileRun) attack { return attack{target: "/%09/evil.example"} }, want: 404},
		{name: "#46 /..//evil.example", build: func(*hostileRun) attack {
			return attack{target: "/..//evil.example"}
		}, want: 307, location: "/evil.example"},
		{name: "#46 /%0d%0aSet-Cookie:%20x=y", build: func(*hostileRun) attack {
			return attack{target: "/%0d%0aSet-Cookie:%20x=y"}
		}, want: 404},
		{name: "#46 /?next=https://evil.example", build: func(h *hostileRun) attack {
			return attack{target: "/?next=https://evil.example&return_to=//evil.example&m=" + h.qmarker}
		}, want: 302, newFiles: 1, finishAs: "mallory",
			finalLocation: "/?next=https://evil.example&return_to=//evil.example&m={marker}"},
		{name: "#46 /?%0d%0aSet-Cookie:%20x=y", build: func(*hostileRun) attack {
			return attack{target: "/?%0d%0aSet-Cookie:%20x=y"}
		}, want: 302, newFiles: 1, finishAs: "mallory", finalLocation: "/?%0d%0aSet-Cookie:%20x=y"},
		{name: `#46 /?a=\evil.example with a raw backslash`, build: func(*hostileRun) attack {
			return attack{target: `/?a=\evil.example`}
		}, want: 302, newFiles: 1, finishAs: "mallory", finalLocation: "/"},
		{name: "#46 absolute-form target https://evil.example/", build: func(*hostileRun) attack {
			return attack{target: "https://evil.example/"}
		}, want: 302, newFiles: 1, finishAs: "mallory", finalLocation: "/"},
		{name: "#46 raw CR LF in the request target", build: func(*hostileRun) attack {
			return attack{target: "/\r\nSet-Cookie: x=y"}
		}, want: 400},
		{name: "#46 raw tab in the request target", build: func(*hostileRun) attack {
			return attack{target: "/\t/evil.example"}
		}, want: 400},

		// #4: redirect_uri always comes from configuration.
		{name: "#4 Host: evil.example", build: func(*hostileRun) attack {
			return attack{host: "evil.example"}
		}, want: 302, newFiles: 1},
		{name: "#4 X-Forwarded-Host, X-Forwarded-Proto, Forwarded, X-Original-URL", build: func(h *hostileRun) attack {
			return attack{headers: []string{"X-Forwarded-Host: evil.example" + h.marker, "X-Forwarded-Proto: https",
				"Forwarded: host=evil.example;proto=https", "X-Original-URL: //evil.example/", "X-Rewrite-URL: //evil.example/",
				"X-Forwarded-Prefix: //evil.example"}}
		}, want: 302, newFiles: 1, finishAs: "mallory", finalLocation: "/"},
		{name: "#4 Host with markup", build: func(h *hostileRun) attack {
			return attack{host: "evil.example" + h.marker}
		}, want: 400},
		{name: "#4 two Host headers", build: func(*hostileRun) attack {
			return attack{headers: []string{"Host: evil.example"}}
		}, want: 400},
		{name: "#4 HTTP/1.0 without Host", build: func(*hostileRun) attack {
			return attack{proto: "HTTP/1.0", host: noHost}
		}, want: 302, newFiles: 1},
		{name: "#4 HTTP/1.1 without Host", build: func(*hostileRun) attack {
			return attack{host: noHost}
		}, want: 400},

		// #52: MaxHeaderBytes is 32 KiB.
		{name: "#52 a 64 KiB Cookie header", build: func(h *hostileRun) attack {
			return attack{cookie: "pad=" + strings.Repeat(h.marker, (64<<10)/len(h.marker))}
		}, want: http.StatusRequestHeaderFieldsTooLarge},
		{name: "#52 a 30 KB header, under the limit", build: func(h *hostileRun) attack {
			return attack{headers: []string{"X-Hostile: " + strings.Repeat(h.marker, (30<<10)/len(h.marker))}}
		}, want: 302, newFiles: 1},
		{name: "#52 a header line without a colon", build: func(h *hostileRun) attack {
			return attack{headers: []string{"X-Hostile " + h.marker}}
		}, want: 400},

		// #53: only the routed methods.
		{name: "#53 PUT /oauth/callback", build: func(h *hostileRun) attack {
			return attack{method: "PUT", target: "/oauth/callback?state=" + h.qmarker}
		}, want: 405},
		{name: "#53 OPTIONS /oauth/callback", build: func(*hostileRun) attack {
			return attack{method: "OPTIONS", target: "/oauth/callback"}
		}, want: 405},
		{name: "#53 DELETE /", build: func(*hostileRun) attack { return attack{method: "DELETE"} }, want: 405},
		// "GET /{$}" is the only pattern for "/": the mux refuses the POST
		// before Login.Require, whose 401 is for protected routes that take
		// a POST (there are none yet).
		{name: "#53 POST /", build: func(h *hostileRun) attack {
			return attack{method: "POST", body: []byte("x=" + h.qmarker)}
		}, want: 405},
		{name: "#53 TRACE /", build: func(*hostileRun) attack { return attack{method: "TRACE"} }, want: 405},
		{name: "#53 GET /logout", build: func(*hostileRun) attack { return attack{target: "/logout"} }, want: 405},
		{name: "#53 PATCH /logout", build: func(*hostileRun) attack {
			return attack{method: "PATCH", target: "/logout"}
		}, want: 405},
		{name: "#53 lower-case get /", build: func(*hostileRun) attack { return attack{method: "get"} }, want: 405},
		{name: "#53 a method that is not a token", build: func(h *hostileRun) attack {
			return attack{method: h.marker}
		}, want: 400},
		{name: "#53 CONNECT evil.example:443", build: func(*hostileRun) attack {
			return attack{method: "CONNECT", target: "evil.example:443"}
		}, want: 405},

		// #37, #47, #53: logout.
		{name: "#47 POST /logout?redirect=https://evil.example", build: func(h *hostileRun) attack {
			h.pendingState(h.attacker)
			return attack{method: "POST", target: "/logout?redirect=https://evil.example&next=//evil.example&url=https://evil.example&return_to=" + h.qmarker}
		}, want: 303, location: "/signed-out"},
		{name: "#37 cross-site POST /logout from the victim's browser",
			build: onVictim("POST", "/logout", "Sec-Fetch-Site: cross-site", "Origin: https://evil.example"), want: 403},
		{name: "#37 POST /logout from the victim's browser with a foreign Origin",
			build: onVictim("POST", "/logout", "Origin: https://evil.example"), want: 403},
		{name: "#53 POST /logout with a 10 MiB body", build: func(*hostileRun) attack {
			return attack{method: "POST", target: "/logout", headers: []string{"Content-Type: application/x-www-form-urlencoded"},
				body: bytes.Repeat([]byte("a"), 10<<20)}
		}, want: 413},
		{name: "#39 POST /logout with the victim's file name as the cookie", build: func(h *hostileRun) attack {
			return attack{method: "POST", target: "/logout", cookie: sessionCookie + "=" + h.victim.file}
		}, want: 303, location: "/signed-out"},

		// #54: past the limit, a forged X-Forwarded-For from an untrusted
		// peer does not buy a new bucket.
		{name: "#54 login start over the rate limit, with a spoofed X-Forwarded-For", limited: true, build: func(h *hostileRun) attack {
			h.exhaustRateLimit()
			return attack{headers: []string{"X-Forwarded-For: 203.0.113.7", "X-Real-IP: 203.0.113.7"}}
		}, want: 429},
		{name: "#54 callback over the rate limit", limited: true, build: func(h *hostileRun) attack {
			h.exhaustRateLimit()
			return attack{target: callback("state="+unknownID(), "code=abc", "x="+h.qmarker),
				headers: []string{"X-Forwarded-For: 203.0.113.8"}}
		}, want: 429},
	}
}

// run sends the row's request and checks its outcome and the invariants.
func (h *hostileRun) run(c hostileCase) {
	t := h.t
	a := c.build(h)
	if a.jar == nil {
		a.jar = h.attacker
	}
	logsBefore := len(h.app.Logs())
	filesBefore := dirNames(t, h.app.SessionDir)

	r := h.send(a)

	if added := newNames(filesBefore, dirNames(t, h.app.SessionDir)); len(added) != c.newFiles {
		t.Errorf("the request created %d session files, want %d", len(added), c.newFiles)
	}
	if r.status != c.want {
		t.Errorf("status %d, want %d; Location %q\n%s", r.status, c.want, r.location, clipBody(r.body))
	}
	h.checkResponse(a, r)
	if c.location != "" && r.location != c.location {
		t.Errorf("Location %q, want %q", r.location, c.location)
	}
	if c.finishAs == "" {
		if a.jar.client != h.victim.client {
			h.expectAnonymous(a.jar)
		}
		checkLogLines(t, h.app.Logs()[logsBefore:])
	}
	if a.then != nil {
		a.then(r)
	}
	if c.finishAs != "" && r.status == http.StatusFound {
		h.finishLogin(a, r.location, c)
	}
	h.checkCookieOverride(a)
	h.expectVictimLoggedIn()
}

// send writes the request to a fresh connection and reads the answer. The
// request is written from another goroutine, so that a server that answers
// before reading everything (431, 413) is heard.
func (h *hostileRun) send(a attack) response {
	h.t.Helper()
	if a.jar == nil {
		a.jar = h.attacker
	}
	method := cmp.Or(a.method, http.MethodGet)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", method, cmp.Or(a.target, "/"), cmp.Or(a.proto, "HTTP/1.1"))
	host := mustParse(h.app.URL).Host
	if a.host != "" {
		host = a.host
	}
	if host != noHost {
		fmt.Fprintf(&b, "Host: %s\r\n", host)
	}
	fmt.Fprintf(&b, "User-Agent: hostile %s\r\nReferer: http://evil.example/%s\r\n", h.marker, h.marker)
	if cookie := h.cookieHeader(a); cookie != "" {
		fmt.Fprintf(&b, "Cookie: %s\r\n", cookie)
	}
	for _, line := range a.headers {
		fmt.Fprintf(&b, "%s\r\n", line)
	}
	if a.body != nil || method == http.MethodPost {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(a.body))
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(a.body)

	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", mustParse(h.app.URL).Port()))
	if err != nil {
		h.t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		h.t.Fatal(err)
	}
	written := make(chan error, 1)
	go func() {
		_, err := conn.Write(b.Bytes())
		written <- err
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		conn.Close()
		h.t.Fatalf("%s %.80q: no answer: %v (writing: %v)", method, a.target, err, <-written)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		h.t.Fatalf("%s %.80q: reading the body: %v", method, a.target, err)
	}
	conn.Close()
	<-written // an error here is the server hanging up on a request it refused

	a.jar.client.Jar.SetCookies(mustParse(h.app.URL), resp.Cookies())
	return response{status: resp.StatusCode, header: resp.Header, body: string(body), location: resp.Header.Get("Location")}
}

// cookieHeader is what the request sends as its Cookie header.
func (h *hostileRun) cookieHeader(a attack) string {
	if a.cookie != "" {
		return a.cookie
	}
	var pairs []string
	for _, c := range a.jar.client.Jar.Cookies(mustParse(h.app.URL)) {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	return strings.Join(pairs, "; ")
}

// checkResponse checks what holds for every answer to an attacker.
func (h *hostileRun) checkResponse(a attack, r response) {
	t := h.t
	t.Helper()
	if r.status == http.StatusInternalServerError {
		t.Errorf("500 Internal Server Error\n%s", clipBody(r.body))
	}
	if strings.Contains(r.body, `action="/logout"`) || strings.Contains(r.body, "Hello, ") {
		t.Errorf("an attacker got a home page:\n%s", clipBody(r.body))
	}
	if strings.Contains(r.body, "root:x:0:0") {
		t.Errorf("the answer shows a file from outside the session directory")
	}
	if strings.Contains(r.body, h.marker) {
		t.Errorf("the body reflects %s unescaped:\n%s", h.marker, clipBody(r.body))
	}
	for name, values := range r.header {
		for _, v := range values {
			if strings.Contains(name, h.marker) || strings.Contains(v, h.marker) {
				t.Errorf("header %s reflects %s: %.200q", name, h.marker, v)
			}
		}
	}
	h.checkLocation(r.location)
	h.checkSetCookies(a, r)
}

// checkLocation: a redirect goes to the provider with the configured
// redirect_uri (#4), or to a path on this site (#46, #47).
func (h *hostileRun) checkLocation(loc string) {
	h.t.Helper()
	if loc == "" {
		return
	}
	if strings.HasPrefix(loc, h.app.ProviderURL+"/authorize?") {
		q := mustParse(loc).Query()
		if got := q["redirect_uri"]; len(got) != 1 || got[0] != h.app.URL+"/oauth/callback" {
			h.t.Errorf("redirect_uri %q, want only the configured %q", got, h.app.URL+"/oauth/callback")
		}
		if strings.Contains(loc, "evil") {
			h.t.Errorf("the authorize URL carries request input: %s", loc)
		}
		return
	}
	if !isLocalPath(loc) {
		h.t.Errorf("Location %q is neither the provider nor a path on this site", loc)
	}
}

// isLocalPath reports whether a browser would stay on this site going to
// loc: one leading slash, no backslash, no control characters, no host.
func isLocalPath(loc string) bool {
	if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsRune(loc, '\\') {
		return false
	}
	for i := 0; i < len(loc); i++ {
		if loc[i] < 0x20 || loc[i] == 0x7f {
			return false
		}
	}
	u, err := url.Parse(loc)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

var idShape = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// checkSetCookies: only the session cookie is ever set, with an ID the
// server made, never one the client sent (#32), or expired.
func (h *hostileRun) checkSetCookies(a attack, r response) {
	h.t.Helper()
	sent := sessionValues(a.cookie) // a jar only holds IDs the server issued
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			h.t.Errorf("unparsable Set-Cookie %q: %v", line, err)
			continue
		}
		switch {
		case c.Name != sessionCookie:
			h.t.Errorf("Set-Cookie for %q: %q", c.Name, line)
		case c.Value == "" && c.MaxAge >= 0:
			h.t.Errorf("Set-Cookie with an empty value that does not expire the cookie: %q", line)
		case c.Value != "" && !idShape.MatchString(c.Value):
			h.t.Errorf("Set-Cookie with a value of the wrong shape: %q", line)
		case c.Value != "" && slices.Contains(sent, c.Value):
			h.t.Errorf("Set-Cookie hands back the ID the client sent (session fixation): %q", line)
		}
	}
}

// sessionValues are the values of every session cookie in a Cookie header.
func sessionValues(header string) []string {
	var values []string
	for pair := range strings.SplitSeq(header, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(pair), "=")
		if name == sessionCookie {
			values = append(values, value)
		}
	}
	return values
}

// checkCookieOverride: a Cookie header the attacker made up opens no
// session, now or later, and no record exists under an ID they chose (#32).
func (h *hostileRun) checkCookieOverride(a attack) {
	h.t.Helper()
	if a.cookie == "" {
		return
	}
	again := h.send(attack{cookie: a.cookie, jar: h.newVisitor()})
	if again.status == http.StatusOK || strings.Contains(again.body, "Hello, ") {
		h.t.Errorf("GET / with the attacker's Cookie header %.80q: %d, a home page", a.cookie, again.status)
	}
	for _, v := range sessionValues(a.cookie) {
		if v == h.victim.cookie || !idShape.MatchString(v) {
			continue
		}
		if _, err := os.Stat(filepath.Join(h.app.SessionDir, sessionFileName(v))); !os.IsNotExist(err) {
			h.t.Errorf("a session record exists for the client-chosen ID %q (%v)", v, err)
		}
	}
}

// finishLogin completes at the provider the login that the row's request
// started, and checks where the browser lands (#46).
func (h *hostileRun) finishLogin(a attack, authorize string, c hostileCase) {
	t := h.t
	page := a.jar.get(authorize)
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="approve"`) {
		t.Fatalf("provider's login page: %d", page.status)
	}
	r := a.jar.get(a.jar.submit(h.app, page, c.finishAs, "approve"))
	h.checkResponse(attack{jar: a.jar}, r)
	want := strings.ReplaceAll(c.finalLocation, "{marker}", h.qmarker)
	if r.status != http.StatusSeeOther || r.location != want {
		t.Errorf("after login: %d to %q, want 303 to %q", r.status, r.location, want)
	}
	if loc := r.location; strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) || mustParse(loc).Host != "" {
		t.Errorf("after login the browser leaves the site: %q", loc)
	}
	if len(r.header.Values("Set-Cookie")) != 1 {
		t.Errorf("after login, Set-Cookie %q: want exactly the new session cookie", r.header.Values("Set-Cookie"))
	}
	if home := a.jar.get(h.app.URL + "/"); !strings.Contains(home.body, "Hello, "+c.finishAs) {
		t.Errorf("the legitimate login did not log in %s: %d", c.finishAs, home.status)
	}
}

// expectAnonymous: v has no user: the home page sends it to log in (or, on
// the rate-limited app, may be refused).
func (h *hostileRun) expectAnonymous(v *visitor) {
	h.t.Helper()
	r := v.get(h.app.URL + "/")
	toProvider := r.status == http.StatusFound && strings.HasPrefix(r.location, h.app.ProviderURL+"/authorize?")
	if !toProvider && (h.app == h.main || r.status != http.StatusTooManyRequests) {
		h.t.Errorf("the attacker's cookie jar afterwards: GET / → %d to %q, want 302 to the provider (still anonymous)\n%s",
			r.status, r.location, clipBody(r.body))
	}
}

// expectVictimLoggedIn: nothing the row did ended or changed the victim's
// session.
func (h *hostileRun) expectVictimLoggedIn() {
	h.t.Helper()
	r := h.victimVisitor().get(h.main.URL + "/")
	if r.status != http.StatusOK || !strings.Contains(r.body, "Hello, victim") {
		h.t.Errorf("the victim afterwards: GET / → %d to %q, want still logged in", r.status, r.location)
	}
}

// victimVisitor is the victim's browser, reporting to this row.
func (h *hostileRun) victimVisitor() *visitor { return &visitor{t: h.t, client: h.victim.client} }

func (h *hostileRun) newVisitor() *visitor { return newVisitor(h.t) }

// pendingState starts a login in v and returns its state.
func (h *hostileRun) pendingState(v *visitor) string {
	h.t.Helper()
	authorize, _ := v.startLogin(h.app, "/")
	return mustParse(authorize).Query().Get("state")
}

// approved starts a login in v, approves it at the provider as mallory,
// and returns the callback's state and code without visiting it.
func (h *hostileRun) approved(v *visitor) (state, code string) {
	h.t.Helper()
	_, page := v.startLogin(h.app, "/")
	q := mustParse(v.submit(h.app, page, "mallory", "approve")).Query()
	return q.Get("state"), q.Get("code")
}

// exhaustRateLimit starts logins until the limited app refuses one.
func (h *hostileRun) exhaustRateLimit() {
	h.t.Helper()
	for range 50 {
		if r := h.send(attack{jar: h.newVisitor()}); r.status == http.StatusTooManyRequests {
			return
		}
	}
	h.t.Fatal("50 login starts in a row were all allowed")
}

// checkLogLines: no panic, and every line is a JSON record (a forged line
// break in input would split one). A line written just before an answer
// may reach the harness after it, so a row can see the previous row's last
// lines; the whole log is checked again at the end.
func checkLogLines(t *testing.T, lines []string) {
	t.Helper()
	for _, line := range lines {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %.300q", line)
		}
		if strings.Contains(strings.ToLower(line), "panic") {
			t.Errorf("the app logged a panic: %.300s", line)
		}
	}
}

// sessionFileName is the store's name for the session id.
func sessionFileName(id string) string {
	mac := hmac.New(sha256.New, []byte(hostileSecret))
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))
}

// unknownID is an ID of exactly the right shape that the server never issued.
func unknownID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// flipFirst changes the first character, keeping the shape.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func newNames(before, after []string) []string {
	var added []string
	for _, n := range after {
		if !slices.Contains(before, n) {
			added = append(added, n)
		}
	}
	return added
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// treeSnapshot describes every file and directory under root, except the
// skipped directories: mode, size, modification time and content hash.
func treeSnapshot(t *testing.T, root string, skip ...string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if slices.Contains(skip, path) {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v %d %v", info.Mode(), info.Size(), info.ModTime().UnixNano())
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		snap[path] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func equalSnapshots(t *testing.T, before, after map[string]string) bool {
	t.Helper()
	same := true
	for path, desc := range before {
		if after[path] != desc {
			t.Errorf("%s: was %q, now %q", path, desc, after[path])
			same = false
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			t.Errorf("%s: new", path)
			same = false
		}
	}
	return same
}

func clipBody(body string) string {
	if len(body) > 600 {
		return body[:600] + "…"
	}
	return body
}
