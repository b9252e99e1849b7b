package templates

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestHomeShowsTheUser(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := pages.RenderHome(w, Home{Username: "ada", Name: "Ada Lovelace", Email: "ada@example.test"}); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
	}
	for _, want := range []string{"Hello, ada", "Ada Lovelace", "ada@example.test", `<form method="post" action="/logout">`, "Log out"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("home page lacks %q", want)
		}
	}
}

// TestChecklist29_HostileProfileRendersAsText: a profile is input from the
// provider, and whoever controls an account chooses its name.
func TestChecklist29_HostileProfileRendersAsText(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	hostile := Home{
		Username: "<script>alert(1)</script>",
		Name:     `<img src=x onerror=alert(1)>`,
		Email:    `"><svg onload=alert(1)>`,
	}
	if err := pages.RenderHome(w, hostile); err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	for _, raw := range []string{"<script>alert", "<img src=x", "<svg onload"} {
		if strings.Contains(body, raw) {
			t.Errorf("page contains unescaped %q", raw)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the user name is not shown escaped")
	}
}

func TestErrorPage(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	err = pages.RenderError(w, Error{Status: http.StatusForbidden, Title: "Login was cancelled", Message: "You did not approve <it>."})
	if err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	if w.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", w.Code)
	}
	for _, want := range []string{"Error 403", "Login was cancelled", "You did not approve &lt;it&gt;.", `href="/"`, "Try again"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
}

// TestChecklist15_PagesLoadNothingFromElsewhere: the pages carry no
// scripts and no outside resources, so the strict content security policy
// in main.go costs nothing and a failure page leaks no Referer.
func TestChecklist15_PagesLoadNothingFromElsewhere(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	home, failure, out, stillIn := httptest.NewRecorder(), httptest.NewRecorder(), httptest.NewRecorder(), httptest.NewRecorder()
	pages.RenderHome(home, Home{Username: "ada"})
	pages.RenderError(failure, Error{Status: 400, Title: "t", Message: "m"})
	pages.RenderSignedOut(out, SignedOut{})
	pages.RenderSignedOut(stillIn, SignedOut{Username: "ada"})
	external := regexp.MustCompile(`(?i)(src|href|action)\s*=\s*"(https?:)?//`)
	for name, body := range map[string]string{"home": home.Body.String(), "error": failure.Body.String(),
		"signed out": out.Body.String(), "still logged in": stillIn.Body.String()} {
		if external.MatchString(body) {
			t.Errorf("%s page refers to another origin: %s", name, external.FindString(body))
		}
		// The one script allowed is the back-forward cache reload, whose
		// hash the content security policy names.
		scripts := strings.Count(strings.ToLower(body), "<script")
		allowed := strings.Count(body, "<script>"+backForwardReload+"</script>")
		if scripts != allowed {
			t.Errorf("%s page has a script other than the back-forward reload", name)
		}
	}
}

// The page after logout says so and offers one way back in, a plain GET of
// the home page; opened while still logged in, it says who and offers
// logout instead.
func TestSignedOutPage(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	out := httptest.NewRecorder()
	if err := pages.RenderSignedOut(out, SignedOut{}); err != nil {
		t.Fatal(err)
	}
	body := out.Body.String()
	for _, want := range []string{"<title>You are logged out</title>", `<a class="button" href="/" id="log-in-again">`} {
		if !strings.Contains(body, want) {
			t.Errorf("signed-out page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "/logout") {
		t.Error("the signed-out page of a logged-out visitor offers to log out")
	}
	// A GET form with no fields submits to "/?": the login would come back
	// to that address, with a stray question mark.
	if strings.Contains(body, `method="get"`) {
		t.Error("Log in again is a GET form, which opens /? rather than /")
	}

	stillIn := httptest.NewRecorder()
	if err := pages.RenderSignedOut(stillIn, SignedOut{Username: "<b>ada</b>"}); err != nil {
		t.Fatal(err)
	}
	body = stillIn.Body.String()
	for _, want := range []string{"still logged in", "&lt;b&gt;ada&lt;/b&gt;", `<form method="post" action="/logout">`} {
		if !strings.Contains(body, want) {
			t.Errorf("signed-out page with a live session lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "log-in-again") || strings.Contains(body, "You are logged out") {
		t.Error("the page tells a logged-in visitor they are logged out")
	}
}

// The home page carries the back-forward reload, byte for byte as the
// content security policy's hash allows it: a change to one without the
// other would let WebKit show the page again after logout.
func TestHomeReloadsWhenRestoredFromBackForwardCache(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	pages.RenderHome(w, Home{Username: "ada"})
	if !strings.Contains(w.Body.String(), "<script>"+backForwardReload+"</script>") {
		t.Errorf("the home page lacks the back-forward reload:\n%s", w.Body.String())
	}
	// The hash of "alert(1)" must not be allowed; the reload's must.
	if strings.Contains(contentSecurityPolicy, scriptHash("alert(1)")) || !strings.Contains(contentSecurityPolicy, scriptHash(backForwardReload)) {
		t.Errorf("CSP %q does not allow exactly the reload", contentSecurityPolicy)
	}
}

// scriptHash is the CSP source that allows exactly the inline script src.
func scriptHash(src string) string {
	sum := sha256.Sum256([]byte(src))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
