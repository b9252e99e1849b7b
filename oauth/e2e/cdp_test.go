package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// This file is a small client of the Chrome DevTools Protocol. Chromium
// started with --remote-debugging-pipe reads commands from its file
// descriptor 3 and writes answers and events to its file descriptor 4, each
// message a JSON object followed by a NUL byte.

const cdpTimeout = 10 * time.Second // for one answer, one awaited event, or the browser to quit

// browser is a headless Chromium. Its methods are for the test's goroutine.
type browser struct {
	t        *testing.T
	cmd      *exec.Cmd
	logPath  string        // Chromium's own stdout and stderr, shown if it exits during the test
	commands *os.File      // our end of the pipe the browser reads commands from
	gone     chan struct{} // closed once the browser has exited and closed its end of the pipes

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

// startBrowser starts a headless Chromium with a fresh profile. When the
// test ends the browser is closed, and killed with all its helper processes
// if it does not quit in time.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	chromium := findChromium(t)
	dir := t.TempDir()
	logFile, err := os.Create(filepath.Join(dir, "chromium.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	browserReads, commands := pipe(t)
	replies, browserWrites := pipe(t)

	cmd := exec.Command(chromium,
		"--remote-debugging-pipe",
		"--headless",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--no-sandbox", // CI runs as root, and Chromium's sandbox refuses root
		"--disable-gpu",
		"--window-size=1000,800",
		"--no-first-run",
		// Test machines have no internet; without these Chromium keeps trying to reach it.
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
		"--disable-quic",
	)
	cmd.ExtraFiles = []*os.File{browserReads, browserWrites} // its descriptors 3 and 4
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so that closing it can end the renderer and
	// other helper processes too, whatever state the browser is in.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	// Chromium has its own copies of its ends now; ours would keep the pipes
	// open after it exits.
	browserReads.Close()
	browserWrites.Close()

	b := &browser{
		t:        t,
		cmd:      cmd,
		logPath:  logFile.Name(),
		commands: commands,
		gone:     make(chan struct{}),
		answers:  make(map[int64]chan cdpMessage),
		sessions: make(map[string]*eventLog),
	}
	go b.readMessages(replies)
	t.Cleanup(b.close)
	return b
}

// findChromium returns the path of Chromium, or skips the test without it,
// except on CI where the browser tests must run.
func findChromium(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("chromium"); err == nil {
		return path
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	const missing = "Chromium is not installed; install it (apt-get install chromium) to run the browser tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(missing)
	}
	t.Skip(missing)
	return ""
}

func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	return r, w
}

// close asks the browser to quit, then kills its whole process group: a
// browser that hung or crashed may leave renderers behind, and no process
// may outlive the test.
func (b *browser) close() {
	select {
	case <-b.gone:
		log, _ := os.ReadFile(b.logPath)
		lines := strings.Split(strings.TrimSpace(string(log)), "\n")
		b.t.Errorf("Chromium exited during the test; its last log lines:\n%s", strings.Join(lines[max(0, len(lines)-20):], "\n"))
	default:
		// An error only means the browser is gone already.
		_ = b.send("", "Browser.close", nil, nil)
	}
	select {
	case <-b.gone:
	case <-time.After(cdpTimeout):
		b.t.Errorf("Chromium did not quit within %v of Browser.close; killing it", cdpTimeout)
	}
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	<-b.gone
	b.commands.Close()
}

// readMessages hands each answer to the command waiting for it and records
// each event in the log of its session, until the browser exits.
func (b *browser) readMessages(replies *os.File) {
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
	_ = b.cmd.Wait() // how Chromium exited does not matter, only that it has
	close(b.gone)
}

// eventsOf returns the log of the events of a session, creating it when the
// session's first event comes or a tab asks for it, whichever is first.
func (b *browser) eventsOf(sessionID string) *eventLog {
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
func (b *browser) send(sessionID, method string, params, result any) error {
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
	case <-b.gone:
		return fmt.Errorf("%s: the browser has exited", method)
	case <-time.After(cdpTimeout):
		return fmt.Errorf("%s: no answer within %v", method, cdpTimeout)
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
// for it up to cdpTimeout.
func (l *eventLog) waitFor(from int, method string) (cdpMessage, error) {
	deadline := time.After(cdpTimeout)
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
			return cdpMessage{}, fmt.Errorf("no %s event within %v", method, cdpTimeout)
		}
	}
}

// tab is one page of the browser, driven through its own DevTools session.
type tab struct {
	t         *testing.T
	browser   *browser
	sessionID string
	events    *eventLog
}

// newTab opens a blank tab, as a person does with Ctrl+T.
func (b *browser) newTab() *tab {
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
	tb := &tab{t: b.t, browser: b, sessionID: session.SessionID, events: b.eventsOf(session.SessionID)}
	tb.do("Page.enable", nil, nil)    // for the events that say a page has loaded
	tb.do("Network.enable", nil, nil) // for the events that say what the tab requested
	return tb
}

// do sends a command to the tab's page, failing the test if it fails.
func (tb *tab) do(method string, params, result any) {
	tb.t.Helper()
	if err := tb.browser.send(tb.sessionID, method, params, result); err != nil {
		tb.t.Fatal(err)
	}
}

// open loads url in the tab, as if typed in the address bar, and waits until
// the page it ends at, after any redirects, has loaded.
func (tb *tab) open(url string) {
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
func (tb *tab) reload() {
	tb.t.Helper()
	tb.waitForLoadAfter(func() { tb.do("Page.reload", nil, nil) })
}

// back goes to the previous page of the tab's history, as the browser's Back
// button does.
func (tb *tab) back() {
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
func (tb *tab) clickAndWait(selector string) {
	tb.t.Helper()
	tb.waitForLoadAfter(func() { tb.click(selector) })
}

// waitForLoadAfter does action, which must lead the tab to another page, and
// waits until that page has loaded.
func (tb *tab) waitForLoadAfter(action func()) {
	tb.t.Helper()
	from := tb.mark()
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
func (tb *tab) click(selector string) {
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
func (tb *tab) typeText(selector, text string) {
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
func (tb *tab) evaluate(expression string, result any) {
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
func (tb *tab) url() string {
	tb.t.Helper()
	var url string
	tb.evaluate("location.href", &url)
	return url
}

// text returns the text of the page as a person reads it.
func (tb *tab) text() string {
	tb.t.Helper()
	var text string
	tb.evaluate("document.body.innerText", &text)
	return text
}

// has reports whether something on the page matches selector.
func (tb *tab) has(selector string) bool {
	tb.t.Helper()
	var found bool
	tb.evaluate(fmt.Sprintf("document.querySelector(%s) !== null", jsString(selector)), &found)
	return found
}

// cookie is a cookie as the browser keeps it.
type cookie struct {
	Name     string
	Value    string
	Domain   string
	Path     string
	Expires  float64 // seconds since 1970; -1 with Session
	HTTPOnly bool
	Secure   bool
	Session  bool   // kept until the browser closes, having no expiry
	SameSite string // "Strict", "Lax" or "None"; "" when the cookie did not say
}

// cookies returns the cookies the browser would send with a request to url.
func (tb *tab) cookies(url string) []cookie {
	tb.t.Helper()
	var answer struct{ Cookies []cookie }
	tb.do("Network.getCookies", map[string]any{"urls": []string{url}}, &answer)
	return answer.Cookies
}

// mark returns a position in the tab's events, to ask later what happened
// from there on.
func (tb *tab) mark() int {
	return tb.events.len()
}

// requestsSince returns the URL of every request the tab has made since
// mark, including each step of a redirect.
func (tb *tab) requestsSince(mark int) []string {
	tb.t.Helper()
	events, _ := tb.events.since(mark)
	var urls []string
	for _, event := range events {
		if event.Method != "Network.requestWillBeSent" {
			continue
		}
		var params struct{ Request struct{ URL string } }
		if err := json.Unmarshal(event.Params, &params); err != nil {
			tb.t.Fatalf("%s: %v", event.Method, err)
		}
		urls = append(urls, params.Request.URL)
	}
	return urls
}

// screenshot returns a PNG image of what the tab shows.
func (tb *tab) screenshot() []byte {
	tb.t.Helper()
	var shot struct{ Data []byte } // base64 in the JSON, which encoding/json decodes
	tb.do("Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	return shot.Data
}
