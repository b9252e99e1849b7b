package templates

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestIssue20_RefusalPage: a login the site's rules refused names the
// account the provider logged in (the provider, the name and the id to
// give the site's owner), escaped like any provider text, and offers to
// log in as someone else instead of trying again.
func TestIssue20_RefusalPage(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	err = pages.RenderError(w, Error{Status: http.StatusForbidden, Title: "This account may not use this site",
		Message: "This site does not admit that account.",
		Refused: &Refused{Provider: "github.com", Username: `<img src=x onerror=alert(1)>`, ID: `583231"><script>`,
			OtherAccountURL: "/login/other-account"}})
	if err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	for _, want := range []string{
		`<dd id="provider">github.com</dd>`,
		`<dd id="username">&lt;img src=x onerror=alert(1)&gt;</dd>`,
		`<code id="account-id">583231&#34;&gt;&lt;script&gt;</code>`,
		`<a class="button" id="other-account" href="/login/other-account">Log in as someone else</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal page lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<img") || strings.Contains(body, "<script>") || strings.Contains(body, "try-again") {
		t.Errorf("the refusal page shows provider text unescaped, or offers to try the same again:\n%s", body)
	}
}
