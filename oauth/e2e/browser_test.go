package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The logout button is the submit button of the form that posts to /logout:
// logging out changes state, so it is a POST, never a link.
const logoutButton = `form[action="/logout"] button`

// TestBrowserLogin goes through the login as a person does, in a real
// browser of each engine, and checks at each step what the person would
// see. The app runs with the shipped local settings, so this is what a
// developer sees after "go run ." on a fresh machine.
func TestBrowserLogin(t *testing.T) {
	for _, engine := range browserEngines() {
		t.Run(engine.name, func(t *testing.T) {
			app := startApp(t, appOptions{LocalSettings: true})
			// Started second, the browser is closed first, so the app's
			// graceful shutdown does not wait on the browser's open
			// connections.
			browser := engine.start(t)
			loginScenario(t, engine.name, browser, app)
		})
	}
}

// loginScenario is the browser test's steps, the same on every engine.
// Screenshots are named after the engine.
func loginScenario(t *testing.T, engine string, browser browser, app *app) {
	tab := browser.newTab()

	// 1. Opening the app leads to the provider, where Ada logs in.
	tab.open(app.URL + "/")
	expectLoginForm(t, tab, app)
	logIn(tab, "ada")

	// 2. Back at the app, the home page greets her.
	expectAppPage(t, tab, app, "Hello, ada", "Ada (dev)", "ada@example.test")
	for _, field := range []string{"#name", "#email"} {
		if !tab.has(field) {
			t.Errorf("the home page has no %s; it says:\n%s", field, tab.text())
		}
	}
	saveScreenshot(t, tab, engine+"-home.png")

	// 3. The browser keeps the session in a cookie that scripts cannot read,
	// that other sites' requests do not carry, except a top-level navigation
	// like the provider's redirect back, and that ends with the browser
	// session. Served over plain http, it must not be Secure: a browser
	// ignores a Secure cookie set over a connection it does not count as
	// secure (RFC 6265bis, the storage model). WebKit does not count
	// http://localhost as secure, so there the login would never finish.
	session := findCookie(tab.cookies(), "session")
	if session == nil {
		t.Fatalf("the browser has no cookie called session for %s; it has %+v", tab.url(), tab.cookies())
	}
	for _, attribute := range []struct {
		name string
		has  bool
	}{
		{"HttpOnly", session.HTTPOnly},
		{"SameSite=Lax", session.SameSite == "Lax"},
		{"a session cookie, with no expiry", session.Session},
		{"not Secure, being set over plain http", !session.Secure},
	} {
		if !attribute.has {
			t.Errorf("the session cookie should be %s; the browser has %+v", attribute.name, *session)
		}
	}
	var scriptCookies string
	tab.evaluate("document.cookie", &scriptCookies)
	if regexp.MustCompile(`(^|; )session=`).MatchString(scriptCookies) {
		t.Errorf("scripts on the page can read the session cookie: document.cookie is %q", scriptCookies)
	}

	// 4. Reloading the page keeps her logged in, without a trip to the provider.
	mark := app.logMark()
	tab.reload()
	expectAppPage(t, tab, app, "Hello, ada")
	waitForRequest(t, app, mark, "/")
	if asked := providerRequests(app.requestPathsSince(mark)); len(asked) > 0 {
		t.Errorf("reloading the home page went to the provider again: %v", asked)
	}

	// 5. Logging out ends on a page that says so, and does not start
	// another login there by itself: nothing reaches the provider, not
	// even a request for an image of the page.
	mark = app.logMark()
	tab.clickAndWait(logoutButton)
	expectSignedOutPage(t, tab, app)
	saveScreenshot(t, tab, engine+"-signed-out.png")
	waitForRequest(t, app, mark, "/signed-out")
	if asked := providerRequests(app.requestPathsSince(mark)); len(asked) > 0 {
		t.Errorf("after logging out the browser went to the provider by itself: %v", asked)
	}

	// 6. The Back button does not bring the home page back from the cache.
	// The home page is sent with Cache-Control: no-store, which Chromium
	// and Firefox take to keep it out of their back/forward cache; WebKit
	// honours that only for pages that came over https.
	tab.back()
	if text := tab.text(); strings.Contains(text, "Hello, ada") {
		t.Errorf("after logging out, Back shows the home page again, at %s:\n%s", tab.url(), text)
	}

	// 7. On the signed-out page, only the button logs in again, and it goes
	// to the provider as any login does.
	mark = app.logMark()
	tab.open(app.URL + "/signed-out")
	expectSignedOutPage(t, tab, app)
	waitForRequest(t, app, mark, "/signed-out")
	if asked := providerRequests(app.requestPathsSince(mark)); len(asked) > 0 {
		t.Errorf("opening the signed-out page went to the provider before the button was pressed: %v", asked)
	}
	mark = app.logMark()
	tab.clickAndWait("#log-in-again")
	expectLoginForm(t, tab, app)
	waitForRequest(t, app, mark, "/dev/oauth/authorize")

	// 8. This time she refuses at the provider: the app's error page says
	// the login was cancelled and offers to try again.
	tab.clickAndWait("#cancel")
	if url := tab.url(); !strings.HasPrefix(url, app.URL+"/") {
		t.Errorf("after cancelling at the provider, the tab shows %s, not the app at %s", url, app.URL)
	}
	if text := tab.text(); !strings.Contains(strings.ToLower(text), "cancelled") {
		t.Errorf("the error page does not say the login was cancelled; it says:\n%s", text)
	}
	var offersRetry bool
	tab.evaluate(`[...document.querySelectorAll("a")].some(link => /try again/i.test(link.innerText))`, &offersRetry)
	if !offersRetry {
		t.Errorf("the error page has no link to try again; it says:\n%s", tab.text())
	}
	saveScreenshot(t, tab, engine+"-error.png")

	// 9. Two tabs opened while logged out each start a login; both finish,
	// though the second tab's login began before the first one's ended.
	tabA, tabB := browser.newTab(), browser.newTab()
	tabA.open(app.URL + "/")
	expectLoginForm(t, tabA, app)
	tabB.open(app.URL + "/")
	expectLoginForm(t, tabB, app)
	logIn(tabA, "ada")
	expectAppPage(t, tabA, app, "Hello, ada")
	logIn(tabB, "grace")
	expectAppPage(t, tabB, app, "Hello, grace")
}

// logIn logs in on the development provider's form as username.
func logIn(tab browserTab, username string) {
	tab.typeText("#username", username)
	tab.clickAndWait("#approve")
}

// expectLoginForm checks that the tab shows the development provider's login
// form.
func expectLoginForm(t *testing.T, tab browserTab, app *app) {
	t.Helper()
	if url := tab.url(); !strings.HasPrefix(url, app.ProviderURL+"/") || !tab.has("#username") {
		t.Fatalf("the tab should show the provider's login form, under %s/ with a #username field; it shows %s:\n%s",
			app.ProviderURL, url, tab.text())
	}
}

// expectAppPage checks that the tab shows a page of the app that says each
// of texts. The first of them tells the page: without it the test stops,
// since the next steps would only fail for the same reason.
func expectAppPage(t *testing.T, tab browserTab, app *app, texts ...string) {
	t.Helper()
	url, text := tab.url(), tab.text()
	if !strings.HasPrefix(url, app.URL+"/") || !strings.Contains(text, texts[0]) {
		t.Fatalf("the tab should show a page of the app, under %s/, that says %q; it shows %s:\n%s", app.URL, texts[0], url, text)
	}
	for _, want := range texts[1:] {
		if !strings.Contains(text, want) {
			t.Errorf("the page at %s should say %q; it says:\n%s", url, want, text)
		}
	}
}

// expectSignedOutPage checks that the tab shows the page that says the
// person has logged out, with one button to log in again, and that nothing
// on it names the person who was logged in.
func expectSignedOutPage(t *testing.T, tab browserTab, app *app) {
	t.Helper()
	if url := tab.url(); url != app.URL+"/signed-out" {
		t.Fatalf("the tab should show %s/signed-out; it shows %s:\n%s", app.URL, url, tab.text())
	}
	var heading string
	tab.evaluate(`document.querySelector("h1")?.innerText ?? ""`, &heading)
	if !strings.Contains(heading, "You are logged out") {
		t.Errorf("the signed-out page's heading is %q; it should say %q", heading, "You are logged out")
	}
	if title, text := tab.title(), tab.text(); regexp.MustCompile(`(?i)\bada\b`).MatchString(title + "\n" + text) {
		t.Errorf("the signed-out page still names the person: title %q, text:\n%s", title, text)
	}
	if !tab.has("#log-in-again") || tab.has(logoutButton) {
		t.Errorf("the signed-out page should offer #log-in-again and no logout button; it says:\n%s", tab.text())
	}
}

// waitForRequest waits until the app has logged a request for path since
// mark. The app logs a request once it has answered it, so a page can show
// in the browser a moment before its request is in the log.
func waitForRequest(t *testing.T, app *app, mark int, path string) {
	t.Helper()
	waitUntil(t, "waiting for the app to log a request for "+path, func() (bool, string) {
		paths := app.requestPathsSince(mark)
		return slices.Contains(paths, path), fmt.Sprintf("it logged %v", paths)
	})
}

// providerRequests returns those of paths that went to the development
// provider.
func providerRequests(paths []string) []string {
	var asked []string
	for _, path := range paths {
		if strings.HasPrefix(path, "/dev/oauth/") {
			asked = append(asked, path)
		}
	}
	return asked
}

func findCookie(cookies []cookie, name string) *cookie {
	for i := range cookies {
		if cookies[i].Name == name {
			return &cookies[i]
		}
	}
	return nil
}
