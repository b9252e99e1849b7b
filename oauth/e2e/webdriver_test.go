package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// This file is a small client of W3C WebDriver (https://www.w3.org/TR/webdriver2/),
// the protocol WebKitWebDriver speaks over HTTP and Firefox's Marionette
// speaks over TCP (marionette_test.go). Commands go by Marionette's names,
// such as "WebDriver:Navigate"; webdriverRoute gives each its HTTP route.

// webdriverElementKey is the key under which WebDriver returns an element's
// reference: the "web element identifier" of W3C WebDriver.
const webdriverElementKey = "element-6066-11e4-a52e-4f735466cecf"

// webdriverConn carries WebDriver commands to a browser.
type webdriverConn interface {
	// do sends the command called name with params, waits for the answer,
	// and decodes the command's value into result unless that is nil. A
	// params entry "id" names the element the command is about. An error
	// names the command and, when the browser refused it, says why.
	do(name string, params map[string]any, result any) error
}

// webdriverBrowser is a browser driven through one WebDriver session.
type webdriverBrowser struct {
	t       *testing.T
	conn    webdriverConn
	first   string // the window the session opened with, until a tab takes it
	current string // the window the browser sends commands to
}

// newWebDriverSession starts a session on conn with the parameters of the
// NewSession command, which differ between a driver and Marionette, logs
// the browser's name and version, and sizes its first window.
func newWebDriverSession(t *testing.T, conn webdriverConn, params map[string]any) *webdriverBrowser {
	t.Helper()
	var session struct {
		Capabilities struct{ BrowserName, BrowserVersion string }
	}
	if err := conn.do("WebDriver:NewSession", params, &session); err != nil {
		t.Fatal(err)
	}
	t.Logf("browser: %s %s", session.Capabilities.BrowserName, session.Capabilities.BrowserVersion)
	b := &webdriverBrowser{t: t, conn: conn}
	if err := conn.do("WebDriver:GetWindowHandle", nil, &b.first); err != nil {
		t.Fatal(err)
	}
	b.current = b.first
	if err := conn.do("WebDriver:SetWindowRect", map[string]any{"width": windowWidth, "height": windowHeight}, nil); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *webdriverBrowser) newTab() browserTab {
	b.t.Helper()
	tab := &webdriverTab{t: b.t, browser: b, window: b.first}
	if b.first != "" {
		b.first = ""
		return tab
	}
	var window struct{ Handle string }
	if err := b.conn.do("WebDriver:NewWindow", map[string]any{"type": "tab"}, &window); err != nil {
		b.t.Fatal(err)
	}
	tab.window = window.Handle
	return tab
}

// webdriverTab is one window of a WebDriver session. WebDriver sends every
// command to one current window, so a tab makes its window current before
// each command.
type webdriverTab struct {
	t       *testing.T
	browser *webdriverBrowser
	window  string
}

// do sends a command to the tab's window, failing the test if it fails.
func (tb *webdriverTab) do(name string, params map[string]any, result any) {
	tb.t.Helper()
	if err := tb.try(name, params, result); err != nil {
		tb.t.Fatal(err)
	}
}

// try sends a command to the tab's window.
func (tb *webdriverTab) try(name string, params map[string]any, result any) error {
	b := tb.browser
	if b.current != tb.window {
		if err := b.conn.do("WebDriver:SwitchToWindow", map[string]any{"handle": tb.window}, nil); err != nil {
			return err
		}
		b.current = tb.window
	}
	return b.conn.do(name, params, result)
}

func (tb *webdriverTab) open(url string) {
	tb.t.Helper()
	tb.waitForPageAfter("opening "+url, func() { tb.do("WebDriver:Navigate", map[string]any{"url": url}, nil) })
}

func (tb *webdriverTab) clickAndWait(selector string) {
	tb.t.Helper()
	element := tb.find(selector)
	tb.waitForPageAfter("clicking "+selector, func() { tb.do("WebDriver:ElementClick", map[string]any{"id": element}, nil) })
}

func (tb *webdriverTab) back() {
	tb.t.Helper()
	tb.waitForPageAfter("going back", func() { tb.do("WebDriver:Back", nil, nil) })
}

func (tb *webdriverTab) reload() {
	tb.t.Helper()
	tb.waitForPageAfter("reloading", func() { tb.do("WebDriver:Refresh", nil, nil) })
}

// waitForPageAfter does action, which must lead the tab to another page,
// and waits until that page has loaded. Engines differ in whether a command
// that starts a navigation waits for it, so the tab marks the page it shows
// with a value no other page has, and waits for a loaded page without that
// mark: a new document, or one restored from the back/forward cache, which
// keeps its own older mark.
func (tb *webdriverTab) waitForPageAfter(what string, action func()) {
	tb.t.Helper()
	mark := rand.Text()
	tb.do("WebDriver:ExecuteScript", map[string]any{"script": "window.e2eMark = arguments[0]", "args": []any{mark}}, nil)
	action()
	waitUntil(tb.t, what+": waiting for the next page", func() (bool, string) {
		var state struct{ Mark, ReadyState string }
		err := tb.try("WebDriver:ExecuteScript", map[string]any{
			"script": "return {mark: window.e2eMark || '', readyState: document.readyState}",
			"args":   []any{},
		}, &state)
		if err != nil {
			// Scripts can fail while one document is replaced by the next.
			return false, err.Error()
		}
		return state.Mark != mark && state.ReadyState == "complete",
			fmt.Sprintf("the page is %q with mark %q", state.ReadyState, state.Mark)
	})
}

// find returns the reference of the element that selector finds.
func (tb *webdriverTab) find(selector string) string {
	tb.t.Helper()
	var element map[string]string
	if err := tb.try("WebDriver:FindElement", map[string]any{"using": "css selector", "value": selector}, &element); err != nil {
		tb.t.Fatalf("finding %s on %s: %v", selector, tb.url(), err)
	}
	return element[webdriverElementKey]
}

func (tb *webdriverTab) typeText(selector, text string) {
	tb.t.Helper()
	element := tb.find(selector)
	tb.do("WebDriver:ElementClear", map[string]any{"id": element}, nil)
	tb.do("WebDriver:ElementSendKeys", map[string]any{"id": element, "text": text}, nil)
}

func (tb *webdriverTab) evaluate(expression string, result any) {
	tb.t.Helper()
	var value json.RawMessage
	tb.do("WebDriver:ExecuteScript", map[string]any{"script": "return (" + expression + ")", "args": []any{}}, &value)
	if result == nil {
		return
	}
	if err := json.Unmarshal(value, result); err != nil {
		tb.t.Fatalf("the value of JavaScript %s: %v", expression, err)
	}
}

func (tb *webdriverTab) url() string {
	tb.t.Helper()
	var url string
	tb.do("WebDriver:GetCurrentURL", nil, &url)
	return url
}

func (tb *webdriverTab) title() string {
	tb.t.Helper()
	var title string
	tb.do("WebDriver:GetTitle", nil, &title)
	return title
}

func (tb *webdriverTab) text() string {
	tb.t.Helper()
	var text string
	tb.evaluate("document.body.innerText", &text)
	return text
}

func (tb *webdriverTab) has(selector string) bool {
	tb.t.Helper()
	var found bool
	tb.evaluate(fmt.Sprintf("document.querySelector(%s) !== null", jsString(selector)), &found)
	return found
}

func (tb *webdriverTab) cookies() []cookie {
	tb.t.Helper()
	// WebDriver leaves out the expiry of a cookie that ends with the
	// browser session (W3C WebDriver, "serialized cookie").
	var kept []struct {
		Name, Value, Domain, Path string
		HTTPOnly                  bool `json:"httpOnly"`
		Secure                    bool
		Expiry                    *int64
		SameSite                  string
	}
	tb.do("WebDriver:GetCookies", nil, &kept)
	cookies := make([]cookie, len(kept))
	for i, c := range kept {
		cookies[i] = cookie{
			Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
			HTTPOnly: c.HTTPOnly, Secure: c.Secure, Session: c.Expiry == nil, SameSite: c.SameSite,
		}
	}
	return cookies
}

func (tb *webdriverTab) screenshot() []byte {
	tb.t.Helper()
	var encoded string
	tb.do("WebDriver:TakeScreenshot", nil, &encoded)
	shot, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		tb.t.Fatalf("the screenshot is not base64: %v", err)
	}
	return shot
}

// webdriverRoute returns the HTTP method and path of a WebDriver command
// (from the table of endpoints of W3C WebDriver), with {session} and {id} for
// the session and the element, or ok == false for a command it does not
// know.
func webdriverRoute(name string) (method, path string, ok bool) {
	switch name {
	case "WebDriver:NewSession":
		return http.MethodPost, "/session", true
	case "WebDriver:DeleteSession":
		return http.MethodDelete, "/session/{session}", true
	case "WebDriver:Navigate":
		return http.MethodPost, "/session/{session}/url", true
	case "WebDriver:GetCurrentURL":
		return http.MethodGet, "/session/{session}/url", true
	case "WebDriver:Back":
		return http.MethodPost, "/session/{session}/back", true
	case "WebDriver:Refresh":
		return http.MethodPost, "/session/{session}/refresh", true
	case "WebDriver:GetTitle":
		return http.MethodGet, "/session/{session}/title", true
	case "WebDriver:GetWindowHandle":
		return http.MethodGet, "/session/{session}/window", true
	case "WebDriver:SwitchToWindow":
		return http.MethodPost, "/session/{session}/window", true
	case "WebDriver:NewWindow":
		return http.MethodPost, "/session/{session}/window/new", true
	case "WebDriver:SetWindowRect":
		return http.MethodPost, "/session/{session}/window/rect", true
	case "WebDriver:FindElement":
		return http.MethodPost, "/session/{session}/element", true
	case "WebDriver:ElementClick":
		return http.MethodPost, "/session/{session}/element/{id}/click", true
	case "WebDriver:ElementClear":
		return http.MethodPost, "/session/{session}/element/{id}/clear", true
	case "WebDriver:ElementSendKeys":
		return http.MethodPost, "/session/{session}/element/{id}/value", true
	case "WebDriver:ExecuteScript":
		return http.MethodPost, "/session/{session}/execute/sync", true
	case "WebDriver:GetCookies":
		return http.MethodGet, "/session/{session}/cookie", true
	case "WebDriver:TakeScreenshot":
		return http.MethodGet, "/session/{session}/screenshot", true
	}
	return "", "", false
}

// webdriverHTTP sends WebDriver commands to a driver over HTTP, as JSON
// bodies whose answer carries the command's value under "value".
type webdriverHTTP struct {
	base      string // the driver's address, as http://127.0.0.1:PORT
	client    *http.Client
	sessionID string // set by the NewSession command
}

func (c *webdriverHTTP) do(name string, params map[string]any, result any) error {
	method, path, ok := webdriverRoute(name)
	if !ok {
		return fmt.Errorf("%s: this client knows no HTTP route for it", name)
	}
	path = strings.Replace(path, "{session}", c.sessionID, 1)
	var body io.Reader
	if method == http.MethodPost {
		params := maps.Clone(params)
		if id, ok := params["id"].(string); ok {
			path = strings.Replace(path, "{id}", id, 1)
			delete(params, "id")
		}
		if params == nil {
			params = map[string]any{} // a POST always carries a JSON object
		}
		encoded, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		body = bytes.NewReader(encoded)
	}
	request, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := c.client.Do(request)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer response.Body.Close()
	var answer struct{ Value json.RawMessage }
	if err := json.NewDecoder(response.Body).Decode(&answer); err != nil {
		return fmt.Errorf("%s: %s with an answer that is not JSON: %w", name, response.Status, err)
	}
	if response.StatusCode != http.StatusOK {
		var refusal struct{ Error, Message string }
		_ = json.Unmarshal(answer.Value, &refusal) // without the details the status still tells
		return fmt.Errorf("%s: %s: %s: %s", name, response.Status, refusal.Error, refusal.Message)
	}
	if name == "WebDriver:NewSession" {
		var session struct{ SessionID string }
		if err := json.Unmarshal(answer.Value, &session); err != nil || session.SessionID == "" {
			return fmt.Errorf("%s: no session ID in %s", name, answer.Value)
		}
		c.sessionID = session.SessionID
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(answer.Value, result); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// startWebKit starts WebKitWebDriver on a virtual display and opens a
// session, which starts WebKitGTK's MiniBrowser in automation mode with
// data that lives only as long as the session.
func startWebKit(t *testing.T) browser {
	t.Helper()
	driverPath := findProgram(t, "WebKitWebDriver", "webkit2gtk-driver")
	dir := t.TempDir()
	display := startXvfb(t, dir)

	port := freePort(t)
	driver := exec.Command(driverPath, "--port="+port)
	driver.Env = append(os.Environ(), "DISPLAY="+display)
	driverProcess := startProcess(t, "WebKitWebDriver", driver, dir)
	conn := &webdriverHTTP{base: "http://127.0.0.1:" + port, client: &http.Client{Timeout: pageTimeout}}
	waitUntil(t, "WebKitWebDriver: waiting for it to answer on port "+port, func() (bool, string) {
		if driverProcess.hasExited() {
			t.Fatalf("WebKitWebDriver exited; its last log lines:\n%s", driverProcess.lastLogs(20))
		}
		response, err := conn.client.Get(conn.base + "/status")
		if err != nil {
			return false, err.Error()
		}
		response.Body.Close()
		return response.StatusCode == http.StatusOK, response.Status
	})

	b := newWebDriverSession(t, conn, map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{}}})
	t.Cleanup(func() {
		if err := conn.do("WebDriver:DeleteSession", nil, nil); err != nil {
			t.Errorf("closing the browser: %v; WebKitWebDriver's last log lines:\n%s", err, driverProcess.lastLogs(20))
		}
	})
	return b
}

// startXvfb starts a virtual X display, which WebKitGTK needs even when
// nothing watches it, and returns its name, such as ":1". Xvfb picks a free
// display number itself and writes it to the descriptor -displayfd names.
func startXvfb(t *testing.T, dir string) string {
	t.Helper()
	xvfbPath := findProgram(t, "Xvfb", "xvfb")
	displayReads, xvfbWrites := pipe(t)
	defer displayReads.Close()
	xvfb := exec.Command(xvfbPath, "-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{xvfbWrites}
	xvfbProcess := startProcess(t, "Xvfb", xvfb, dir)
	xvfbWrites.Close() // Xvfb has its own copy; with ours closed, its exit ends the read below
	if err := displayReads.SetReadDeadline(time.Now().Add(pageTimeout)); err != nil {
		t.Fatal(err)
	}
	number, err := bufio.NewReader(displayReads).ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			t.Fatalf("Xvfb exited without naming its display; its last log lines:\n%s", xvfbProcess.lastLogs(20))
		}
		t.Fatalf("reading Xvfb's display number: %v", err)
	}
	return ":" + strings.TrimSpace(number)
}
