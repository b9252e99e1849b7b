package templates

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestIssue22_HomeShowsWhatTheProviderSaysNow: with kept tokens, the home
// page shows what the provider's API said, escaped, and how old the token
// is; when the provider could not be asked, it says so; without kept
// tokens the section is not there.
func TestIssue22_HomeShowsWhatTheProviderSaysNow(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	render := func(h Home) string {
		w := httptest.NewRecorder()
		if err := pages.RenderHome(w, h); err != nil {
			t.Fatal(err)
		}
		return w.Body.String()
	}
	body := render(Home{Username: "ada", FromProvider: &FromProvider{Provider: "GitHub", Username: "<b>ada</b>",
		Email: "ada@example.test", TokenAge: "12 seconds"}})
	for _, want := range []string{
		`<h2 id="from-provider">From GitHub, just now</h2>`,
		`<dd id="provider-username">&lt;b&gt;ada&lt;/b&gt;</dd>`,
		`<dd id="provider-email">ada@example.test</dd>`,
		`<dd id="token-age">issued 12 seconds ago</dd>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %s:\n%s", want, body)
		}
	}
	body = render(Home{Username: "ada", FromProvider: &FromProvider{Provider: "GitHub", Unavailable: true}})
	if !strings.Contains(body, `id="provider-unavailable"`) || strings.Contains(body, "token-age") {
		t.Errorf("unavailable: the page does not say so:\n%s", body)
	}
	if body := render(Home{Username: "ada"}); strings.Contains(body, "from-provider") {
		t.Errorf("without kept tokens the section is there:\n%s", body)
	}
}

// TestIssue22_LoginEndedPage says the login at the provider has ended and
// offers an ordinary login, a link to the home page.
func TestIssue22_LoginEndedPage(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := pages.RenderLoginEnded(w, LoginEnded{Provider: "GitLab"}); err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	for _, want := range []string{"<h1>Your login at GitLab has ended</h1>", `<a class="button" href="/" id="log-in-again">Log in again</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s:\n%s", want, body)
		}
	}
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("status %d, type %q", w.Code, w.Header().Get("Content-Type"))
	}
}
