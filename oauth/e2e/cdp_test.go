package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// This file is a small client of the Chrome DevTools Protocol. Chromium
// started with --remote-debugging-pipe reads commands from its file
// descriptor 3 and writes answers and events to its file descriptor 4, each
// message a JSON object followed by a NUL byte.

// cdpBrowser is a headless Chromium. Its methods are for the test's goroutine.
type cdpBrowser struct {
	t        *testing.T
	process  *process
	commands *os.File // our end of the pipe the browser reads commands from

	mu       sync.Mutex
	lastID   int64
	answers  map[int64]chan cdpMessage // by command ID, until the command has its answer
	sessions map[string]*eventLog      // events by session ID; "" is the browser's own
}

// cdpCommand is a message to the browser. Without a SessionID it is for the
// browser itself, with one for the tab of that session.
type cdpCommand struct {
	ID        int64  `json:"id"`
	SessionID string `json:"sessionId,omitempty"`
	Method    string `json:"method"`
	Params    any    `json:"params,omitempty"`
}

// cdpMessage is a message from the browser: either the answer to the command
// with the same ID, or, with no ID, an event.
type cdpMessage struct {
	ID        int64           `json:"id"`
	SessionID string          `json:"sessionId"`
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params"`
	Result    json.RawMessage `json:"result"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// startChromium starts a headless Chromium with a fresh profile. When the
// test ends the browser is closed, and killed with all its helper processes
// if it does not quit in time.
func startChromium(t *testing.T) browser {
	t.Helper()
	chromium := findProgram(t, "chromium", "chromium")
	dir := t.TempDir()
	browserReads, commands := pipe(t)
	replies, browserWrites := pipe(t)

	cmd := exec.Command(chromium,
		"--remote-debugging-pipe",
		"--headless",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--no-sandbox", // CI runs as root, and Chromium's sandbox refuses root
		"--disable-gpu",
		fmt.Sprintf("--window-size=%d,%d", windowWidth, windowHeight),
		"--no-first-run",
		// Test machines have no internet; without these Chromium keeps trying to reach it.
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
		"--disable-quic",
	)
	cmd.ExtraFiles = []*os.File{browserReads, browserWrites} // its descriptors 3 and 4
	b := &cdpBrowser{
		t:        t,
		commands: commands,
		answers:  make(map[int64]chan cdpMessage),
		sessions: make(map[string]*eventLog),
	}
	b.process = startProcess(t, "chromium", cmd, dir)
	// Chromium has its own copies of its ends now; ours would keep the pipes
	// open after it exits.
	browserReads.Close()
	browserWrites.Close()
	go b.readMessages(replies)
	t.Cleanup(b.close)

	var version struct{ Product string }
	if err := b.send("", "Browser.getVersion", nil, &version); err != nil {
		t.Fatal(err)
	}
	t.Logf("browser: %s", version.Product)
	return b
}

func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	return r, w
}

// close asks the browser to quit, before the cleanup of its process kills
// whatever is left of it.
func (b *cdpBrowser) close() {
	defer b.commands.Close()
	if b.process.hasExited() {
		b.t.Errorf("Chromium exited during the test; its last log lines:\n%s", b.process.lastLogs(20))
		return
	}
	// An error only means the browser is gone already.
	_ = b.send("", "Browser.close", nil, nil)
	select {
	case <-b.process.exited:
	case <-time.After(pageTimeout):
		b.t.Errorf("Chromium did not quit within %v of Browser.close; killing it", pageTimeout)
	}
}

// readMessages hands each answer to the command waiting for it and records
// each event in the log of its session, until the browser exits.
func (b *cdpBrowser) readMessages(replies *os.File) {
	in := bufio.NewReader(replies)
	for {
		raw, err := in.ReadBytes(0)
		if err != nil {
			break
		}
		var m cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			continue // never sent by a working browser; a command waiting for it times out
		}
		if m.ID == 0 {
			b.eventsOf(m.SessionID).add(m)
			continue
		}
		b.mu.Lock()
		if answer := b.answers[m.ID]; answer != nil {
			answer <- m
		}
		b.mu.Unlock()
	}
	replies.Close()
}

// eventsOf returns the log of the events of a session, creating it when the
// session's first event comes or a tab asks for it, whichever is first.
func (b *cdpBrowser) eventsOf(sessionID string) *eventLog {
	b.mu.Lock()
	defer b.mu.Unlock()
	events := b.sessions[sessionID]
	if events == nil {
		events = &eventLog{grown: make(chan struct{})}
		b.sessions[sessionID] = events
	}
	return events
}

// send sends a command and waits for its answer, whose result it decodes
// into result unless that is nil.
func (b *cdpBrowser) send(sessionID, method string, params, result any) error {
	answer := make(chan cdpMessage, 1)
	b.mu.Lock()
	b.lastID++
	id := b.lastID
	b.answers[id] = answer
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.answers, id)
		b.mu.Unlock()
	}()

	message, err := json.Marshal(cdpCommand{ID: id, SessionID: sessionID, Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("%s: %v", method, err)
	}
	if _, err := b.commands.Write(append(message, 0)); err != nil {
		return fmt.Errorf("%s: %v", method, err)
	}
	select {
	case m := <-answer:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(m.Result, result)
	case <-b.process.exited:
		return fmt.Errorf("%s: the browser has exited", method)
	case <-time.After(pageTimeout):
		return fmt.Errorf("%s: no answer within %v", method, pageTimeout)
	}
}

// eventLog keeps the events of one session in the order they came, so that a
// test can note how many there were before an action, then wait for an event
// the action caused without missing one that came before it began waiting.
type eventLog struct {
	mu     sync.Mutex
	events []cdpMessage
	grown  chan struct{} // closed, and replaced, whenever an event is added
}

func (l *eventLog) add(event cdpMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, event)
	close(l.grown)
	l.grown = make(chan struct{})
}

func (l *eventLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// since returns the events from index from on, and a channel closed when
// another one comes.
func (l *eventLog) since(from int) ([]cdpMessage, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events[from:]), l.grown
}

// waitFor returns the first event called method from index from on, waiting
// for it up to pageTimeout.
func (l *eventLog) waitFor(from int, method string) (cdpMessage, error) {
	deadline := time.After(pageTimeout)
	for {
		events, grown := l.since(from)
		for _, event := range events {
			if event.Method == method {
				return event, nil
			}
		}
		from += len(events)
		select {
		case <-grown:
		case <-deadline:
			return cdpMessage{}, fmt.Errorf("no %s event within %v", method, pageTimeout)
		}
	}
}

// cdpTab is one page of the browser, driven through its own DevTools session.
type cdpTab struct {
	t         *testing.T
	browser   *cdpBrowser
	sessionID string
	events    *eventLog
}

// newTab opens a blank tab, as a person does with Ctrl+T.
func (b *cdpBrowser) newTab() browserTab {
	b.t.Helper()
	var target struct{ TargetID string }
	if err := b.send("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		b.t.Fatal(err)
	}
	// A flat session lets this one connection talk to every tab, each
	// message naming its tab by session ID.
	var session struct{ SessionID string }
	if err := b.send("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &session); err != nil {
		b.t.Fatal(err)
	}
	tb := &cdpTab{t: b.t, browser: b, sessionID: session.SessionID, events: b.eventsOf(session.SessionID)}
	tb.do("Page.enable", nil, nil) // for the events that say a page has loaded
	return tb
}

// do sends a command to the tab's page, failing the test if it fails.
func (tb *cdpTab) do(method string, params, result any) {
	tb.t.Helper()
	if err := tb.browser.send(tb.sessionID, method, params, result); err != nil {
		tb.t.Fatal(err)
	}
}

// open loads url in the tab, as if typed in the address bar, and waits until
// the page it ends at, after any redirects, has loaded.
func (tb *cdpTab) open(url string) {
	tb.t.Helper()
	tb.waitForLoadAfter(func() {
		var navigation struct{ ErrorText string }
		tb.do("Page.navigate", map[string]any{"url": url}, &navigation)
		if navigation.ErrorText != "" {
			tb.t.Fatalf("opening %s: %s", url, navigation.ErrorText)
		}
	})
}

// reload reloads the page, as the browser's Reload button does.
func (tb *cdpTab) reload() {
	tb.t.Helper()
	tb.waitForLoadAfter(func() { tb.do("Page.reload", nil, nil) })
}

// back goes to the previous page of the tab's history, as the browser's Back
// button does.
func (tb *cdpTab) back() {
	tb.t.Helper()
	var history struct {
		CurrentIndex int
		Entries      []struct{ ID int }
	}
	tb.do("Page.getNavigationHistory", nil, &history)
	if history.CurrentIndex == 0 {
		tb.t.Fatal("there is no page to go back to")
	}
	previous := history.Entries[history.CurrentIndex-1]
	tb.waitForLoadAfter(func() {
		tb.do("Page.navigateToHistoryEntry", map[string]any{"entryId": previous.ID}, nil)
	})
}

// clickAndWait clicks what selector finds, and waits until the page that the
// click leads to has loaded.
func (tb *cdpTab) clickAndWait(selector string) {
	tb.t.Helper()
	tb.waitForLoadAfter(func() { tb.click(selector) })
}

// waitForLoadAfter does action, which must lead the tab to another page, and
// waits until that page has loaded.
func (tb *cdpTab) waitForLoadAfter(action func()) {
	tb.t.Helper()
	from := tb.events.len()
	action()
	navigated, err := tb.events.waitFor(from, "Page.frameNavigated")
	if err != nil {
		tb.t.Fatalf("waiting for the next page: %v; the tab shows %s", err, tb.url())
	}
	var navigation struct{ Type string }
	if err := json.Unmarshal(navigated.Params, &navigation); err != nil {
		tb.t.Fatalf("%s: %v", navigated.Method, err)
	}
	// A page restored from the back/forward cache comes back as it was left,
	// loaded already, so it fires no load event.
	if navigation.Type == "BackForwardCacheRestore" {
		return
	}
	if _, err := tb.events.waitFor(from, "Page.loadEventFired"); err != nil {
		tb.t.Fatalf("waiting for %s to load: %v", tb.url(), err)
	}
}

// click presses and releases the left mouse button over the middle of the
// element that selector finds, as a person does.
func (tb *cdpTab) click(selector string) {
	tb.t.Helper()
	var middle *struct{ X, Y float64 }
	tb.evaluate(fmt.Sprintf(`(() => {
		const element = document.querySelector(%s);
		if (!element) return null;
		element.scrollIntoView({block: "center"});
		const box = element.getBoundingClientRect();
		return {x: box.left + box.width / 2, y: box.top + box.height / 2};
	})()`, jsString(selector)), &middle)
	if middle == nil {
		tb.t.Fatalf("nothing on %s matches %s", tb.url(), selector)
	}
	for _, action := range []string{"mousePressed", "mouseReleased"} {
		tb.do("Input.dispatchMouseEvent", map[string]any{
			"type": action, "x": middle.X, "y": middle.Y, "button": "left", "clickCount": 1,
		}, nil)
	}
}

// typeText types text into the field that selector finds, in place of what
// the field held.
func (tb *cdpTab) typeText(selector, text string) {
	tb.t.Helper()
	var found bool
	tb.evaluate(fmt.Sprintf(`(() => {
		const field = document.querySelector(%s);
		if (!field) return false;
		field.focus();
		field.select();
		return true;
	})()`, jsString(selector)), &found)
	if !found {
		tb.t.Fatalf("nothing on %s matches %s", tb.url(), selector)
	}
	tb.do("Input.insertText", map[string]any{"text": text}, nil)
}

// evaluate runs a JavaScript expression in the page and decodes its value
// into result unless that is nil.
func (tb *cdpTab) evaluate(expression string, result any) {
	tb.t.Helper()
	var evaluation struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct {
			Exception struct{ Description string }
		}
	}
	tb.do("Runtime.evaluate", map[string]any{"expression": expression, "returnByValue": true}, &evaluation)
	if evaluation.ExceptionDetails != nil {
		tb.t.Fatalf("JavaScript %s threw %s", expression, evaluation.ExceptionDetails.Exception.Description)
	}
	if result == nil {
		return
	}
	if err := json.Unmarshal(evaluation.Result.Value, result); err != nil {
		tb.t.Fatalf("the value of JavaScript %s: %v", expression, err)
	}
}

// jsString returns s as a JavaScript string literal.
func jsString(s string) string {
	literal, _ := json.Marshal(s) // a string always marshals
	return string(literal)
}

// url returns the address of the page the tab shows.
func (tb *cdpTab) url() string {
	tb.t.Helper()
	var url string
	tb.evaluate("location.href", &url)
	return url
}

// text returns the text of the page as a person reads it.
func (tb *cdpTab) text() string {
	tb.t.Helper()
	var text string
	tb.evaluate("document.body.innerText", &text)
	return text
}

// has reports whether something on the page matches selector.
func (tb *cdpTab) has(selector string) bool {
	tb.t.Helper()
	var found bool
	tb.evaluate(fmt.Sprintf("document.querySelector(%s) !== null", jsString(selector)), &found)
	return found
}

// cookies returns the cookies the browser would send with a request for
// the page the tab shows.
func (tb *cdpTab) cookies() []cookie {
	tb.t.Helper()
	var answer struct {
		Cookies []struct {
			Name, Value, Domain, Path string
			HTTPOnly, Secure, Session bool
			SameSite                  string
		}
	}
	tb.do("Network.getCookies", nil, &answer)
	cookies := make([]cookie, len(answer.Cookies))
	for i, c := range answer.Cookies {
		cookies[i] = cookie(c)
	}
	return cookies
}

// title returns the page's title.
func (tb *cdpTab) title() string {
	tb.t.Helper()
	var title string
	tb.evaluate("document.title", &title)
	return title
}

// screenshot returns a PNG image of what the tab shows.
func (tb *cdpTab) screenshot() []byte {
	tb.t.Helper()
	var shot struct{ Data []byte } // base64 in the JSON, which encoding/json decodes
	tb.do("Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	return shot.Data
}
