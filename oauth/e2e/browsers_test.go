package e2e

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// This file holds what the three browser engines share: the interface the
// login scenario drives them through, and the helpers that find, time and
// stop them. Each engine has its own small client: Chromium speaks the
// DevTools protocol (cdp_test.go), WebKit speaks W3C WebDriver over HTTP
// and Firefox the same commands over Marionette (webdriver_test.go,
// marionette_test.go).

// The window every engine gets: small enough that the screenshots stay
// small, wide enough that the pages lay out as on a laptop.
const (
	windowWidth  = 800
	windowHeight = 600
)

// pageTimeout bounds the wait for one page to load, one command's answer,
// or a browser to start or quit. The machines that run the tests are
// shared and slow, and a browser's first page is its slowest.
const pageTimeout = 30 * time.Second

// processStopTimeout is how long a program may take to quit after SIGTERM
// before it is killed.
const processStopTimeout = 5 * time.Second

// browser is one running browser with a fresh profile, driven by one test.
// Its methods and those of its tabs fail the test when the browser does not
// do what they ask; they are for the test's goroutine only.
type browser interface {
	// newTab returns a tab showing a blank page. Each tab keeps its own
	// history; all share the browser's cookies.
	newTab() browserTab
}

// browserTab is one tab of a browser, which a test uses as a person does.
type browserTab interface {
	// open loads url as if typed in the address bar, and returns once the
	// page it ends at, after any redirects, has loaded.
	open(url string)
	// clickAndWait clicks what selector finds, and returns once the page
	// the click leads to has loaded. A click that leads nowhere fails.
	clickAndWait(selector string)
	// typeText types text into the field that selector finds, in place of
	// what the field held.
	typeText(selector, text string)
	// back goes to the previous page of the tab's history, as the Back
	// button does, and returns once it is shown.
	back()
	// reload loads the page again, as the Reload button does.
	reload()

	url() string   // the address of the page shown
	title() string // the page's title, as the tab's label shows it
	text() string  // the page's text as a person reads it
	has(selector string) bool
	// evaluate runs a JavaScript expression in the page and decodes its
	// value, which must be JSON, into result unless that is nil.
	evaluate(expression string, result any)
	// cookies returns the cookies the browser keeps for the page shown,
	// including those scripts cannot read.
	cookies() []cookie
	// screenshot returns a PNG image of what the tab shows.
	screenshot() []byte
}

// cookie is a cookie as a browser keeps it.
type cookie struct {
	Name     string
	Value    string
	Domain   string
	Path     string
	HTTPOnly bool
	Secure   bool
	Session  bool   // kept until the browser closes, having no expiry
	SameSite string // "Strict", "Lax" or "None"; "" when the browser does not say
}

// browserEngine is one engine the browser test runs on.
type browserEngine struct {
	name  string // "chromium", "firefox" or "webkit": the subtest's name
	start func(t *testing.T) browser
}

func browserEngines() []browserEngine {
	return []browserEngine{
		{"chromium", startChromium},
		{"firefox", startFirefox},
		{"webkit", startWebKit},
	}
}

// findProgram returns the path of the program called name, or skips the
// test without it, except on CI, where the browser tests must run: there a
// missing program fails the test.
func findProgram(t *testing.T, name, debianPackage string) string {
	t.Helper()
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	missing := fmt.Sprintf("%s is not installed; install it to run this test: apt-get install -y --no-install-recommends %s",
		name, debianPackage)
	if os.Getenv("CI") == "true" {
		t.Fatal(missing)
	}
	t.Skip(missing)
	return ""
}

// process is a program a test started in its own process group, so that
// stopping it also ends the helper processes it started, whatever state it
// is in: browsers leave renderers behind when they crash.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string        // the program's stdout and stderr
	exited  chan struct{} // closed once the program has exited
}

// startProcess starts cmd in its own process group with its output in a
// file of dir, and stops it when the test ends.
func startProcess(t *testing.T, name string, cmd *exec.Cmd, dir string) *process {
	t.Helper()
	logFile, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logFile.Name(), exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // how it exited matters only while the test runs, and then lastLogs tells more
		close(p.exited)
	}()
	t.Cleanup(p.stop)
	return p
}

// stop ends the process and every process of its group, and waits for it.
// SIGTERM first lets Xvfb remove its socket and lock files; whatever still
// runs a moment later is killed.
func (p *process) stop() {
	// An error from Kill only means the group is gone already.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(processStopTimeout):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // the group's other processes may outlive its leader
	<-p.exited
}

// hasExited reports whether the program has exited already.
func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// lastLogs returns the last n lines the program wrote.
func (p *process) lastLogs(n int) string {
	log, _ := os.ReadFile(p.logPath) // without the file there is nothing to show
	lines := bytes.Split(bytes.TrimSpace(log), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-n):], []byte("\n")))
}

// saveScreenshot checks that what the tab shows makes a PNG image of the
// window's size, and saves it as name in a temporary directory, and in
// E2E_SCREENSHOT_DIR when that is set, logging where.
func saveScreenshot(t *testing.T, tab browserTab, name string) {
	t.Helper()
	shot := tab.screenshot()
	image, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot %s is not a PNG image: %v", name, err)
	}
	if size := image.Bounds().Size(); size.X < windowWidth/2 || size.Y < windowHeight/2 {
		t.Errorf("the screenshot %s is %v pixels, much smaller than the %dx%d window", name, size, windowWidth, windowHeight)
	}
	dirs := []string{t.TempDir()}
	if dir := os.Getenv("E2E_SCREENSHOT_DIR"); dir != "" {
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}

// waitUntil calls check until it reports done, or fails the test once
// pageTimeout has passed, with what the last call said.
func waitUntil(t *testing.T, what string, check func() (done bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(pageTimeout)
	for {
		done, state := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; %s", what, pageTimeout, state)
		}
		time.Sleep(20 * time.Millisecond) // between polls of a condition that has a deadline
	}
}
