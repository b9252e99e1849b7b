package e2e

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The logout button is the submit button of the form that posts to /logout:
// logging out changes state, so it is a POST, never a link.
const logoutButton = `form[action="/logout"] button`

// TestBrowserLogin goes through the login as a person does, in a real
// browser, and checks at each step what the person would see.
func TestBrowserLogin(t *testing.T) {
	browser := startBrowser(t)
	app := startApp(t, appOptions{})
	tab := browser.newTab()

	// 1. Opening the app leads to the provider, where Ada logs in.
	tab.open(app.URL + "/")
	expectLoginForm(t, tab, app)
	logIn(tab, "ada")

	// 2. Back at the app, the home page greets her.
	expectHomePage(t, tab, app, "Hello, ada", "Ada (dev)", "ada@example.test")
	home := saveScreenshot(t, tab, "home.png")
	if dir := os.Getenv("E2E_SCREENSHOT_DIR"); dir != "" {
		keepScreenshot(t, home, filepath.Join(dir, "home.png"))
	}

	// 3. The browser keeps the session in a cookie that scripts cannot read,
	// that goes only over secure connections (http://localhost counts as
	// one), that other sites' requests do not carry, except a top-level
	// navigation like the provider's redirect back, and that ends with the
	// browser session.
	cookies := tab.cookies(app.URL)
	session := findCookie(cookies, "__Host-session")
	if session == nil {
		t.Fatalf("the browser has no __Host-session cookie for %s; it has %+v", app.URL, cookies)
	}
	for _, attribute := range []struct {
		name string
		has  bool
	}{
		{"HttpOnly", session.HTTPOnly},
		{"Secure", session.Secure},
		{"SameSite=Lax", session.SameSite == "Lax"},
		{"a session cookie, with no expiry", session.Session},
	} {
		if !attribute.has {
			t.Errorf("the session cookie should be %s; the browser has %+v", attribute.name, *session)
		}
	}
	var scriptCookies string
	tab.evaluate("document.cookie", &scriptCookies)
	if strings.Contains(scriptCookies, "__Host-session") {
		t.Errorf("scripts on the page can read the session cookie: document.cookie is %q", scriptCookies)
	}

	// 4. Reloading the page keeps her logged in, without a trip to the provider.
	beforeReload := tab.mark()
	tab.reload()
	expectHomePage(t, tab, app, "Hello, ada")
	requests := tab.requestsSince(beforeReload)
	if len(requests) == 0 {
		t.Fatal("the reload made no request, so it cannot show whether the provider was asked again")
	}
	for _, url := range requests {
		if strings.HasPrefix(url, app.ProviderURL) {
			t.Errorf("reloading the home page went to the provider again: %s", url)
		}
	}

	// 5. Logging out leads back to the provider's login form, and the Back
	// button does not bring the home page back from the cache.
	tab.clickAndWait(logoutButton)
	expectLoginForm(t, tab, app)
	tab.back()
	if text := tab.text(); strings.Contains(text, "Hello, ada") {
		t.Errorf("after logging out, Back shows the home page again, at %s:\n%s", tab.url(), text)
	}

	// 6. Two tabs opened while logged out each start a login; both finish,
	// though the second tab's login began before the first one's ended.
	tabA, tabB := browser.newTab(), browser.newTab()
	tabA.open(app.URL + "/")
	expectLoginForm(t, tabA, app)
	tabB.open(app.URL + "/")
	expectLoginForm(t, tabB, app)
	logIn(tabA, "ada")
	expectHomePage(t, tabA, app, "Hello, ada")
	logIn(tabB, "grace")
	expectHomePage(t, tabB, app, "Hello, grace")

	// 7. After logging out, Grace refuses at the provider: the app's error
	// page says the login was cancelled and offers to try again.
	tabB.clickAndWait(logoutButton)
	expectLoginForm(t, tabB, app)
	tabB.clickAndWait("#cancel")
	if url := tabB.url(); !strings.HasPrefix(url, app.URL+"/") {
		t.Errorf("after cancelling at the provider, the tab shows %s, not the app at %s", url, app.URL)
	}
	if text := tabB.text(); !strings.Contains(strings.ToLower(text), "cancelled") {
		t.Errorf("the error page does not say the login was cancelled; it says:\n%s", text)
	}
	var offersRetry bool
	tabB.evaluate(`[...document.querySelectorAll("a")].some(link => /try again/i.test(link.innerText))`, &offersRetry)
	if !offersRetry {
		t.Errorf("the error page has no link to try again; it says:\n%s", tabB.text())
	}
	saveScreenshot(t, tabB, "error.png")
}

// logIn logs in on the development provider's form as username.
func logIn(tab *tab, username string) {
	tab.t.Helper()
	tab.typeText("#username", username)
	tab.clickAndWait("#approve")
}

// expectLoginForm checks that the tab shows the development provider's login
// form.
func expectLoginForm(t *testing.T, tab *tab, app *app) {
	t.Helper()
	if url := tab.url(); !strings.HasPrefix(url, app.ProviderURL+"/") || !tab.has("#username") {
		t.Fatalf("the tab should show the provider's login form, under %s/ with a #username field; it shows %s:\n%s",
			app.ProviderURL, url, tab.text())
	}
}

// expectHomePage checks that the tab shows a page of the app that says each
// of texts.
func expectHomePage(t *testing.T, tab *tab, app *app, texts ...string) {
	t.Helper()
	url, text := tab.url(), tab.text()
	if !strings.HasPrefix(url, app.URL+"/") {
		t.Fatalf("the tab should show the app's home page, under %s/; it shows %s:\n%s", app.URL, url, text)
	}
	for _, want := range texts {
		if !strings.Contains(text, want) {
			t.Errorf("the home page at %s should say %q; it says:\n%s", url, want, text)
		}
	}
}

func findCookie(cookies []cookie, name string) *cookie {
	for i := range cookies {
		if cookies[i].Name == name {
			return &cookies[i]
		}
	}
	return nil
}

// saveScreenshot checks that what the tab shows makes a PNG image, saves it
// as name in a temporary directory, logs its path, and returns it.
func saveScreenshot(t *testing.T, tab *tab, name string) []byte {
	t.Helper()
	shot := tab.screenshot()
	image, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot %s is not a PNG image: %v", name, err)
	}
	if size := image.Bounds().Size(); size.X == 0 || size.Y == 0 {
		t.Fatalf("the screenshot %s is empty: %v pixels", name, size)
	}
	path := filepath.Join(t.TempDir(), name)
	keepScreenshot(t, shot, path)
	return shot
}

func keepScreenshot(t *testing.T, shot []byte, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
