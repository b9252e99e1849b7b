package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	appStartTimeout = 10 * time.Second // from starting the process to its "listening" log record
	appStopTimeout  = 5 * time.Second  // from SIGTERM to SIGKILL
)

// buildDir holds the application binary for this test run; TestMain creates
// it and removes it once every test is done.
var buildDir string

func TestMain(m *testing.M) {
	// The performance report starts this binary again as its load driver
	// and its baseline server (perf_roles_test.go).
	if role := os.Getenv(perfRoleEnv); role != "" {
		os.Exit(runPerfRole(role))
	}
	dir, err := os.MkdirTemp("", "oauthlogin-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildApp compiles the application once per test run, however many tests
// start it, and returns the binary's path.
var buildApp = sync.OnceValues(func() (string, error) {
	binary := filepath.Join(buildDir, "app")
	// "go test" puts its own go command first in PATH, and "oauthlogin" is
	// the main package at the module root, so this works from any directory
	// of the module.
	out, err := exec.Command("go", "build", "-o", binary, "oauthlogin").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return binary, nil
})

type appOptions struct {
	Env map[string]string // extra or overriding environment variables for the app process

	// LocalSettings runs the app as a developer does: from the module's
	// root, with the shipped env/local/.env, where the environment sets
	// only PORT and SESSION_DIR (and whatever Env adds).
	LocalSettings bool
}

// app is one running process of the application.
type app struct {
	URL         string // "http://localhost:PORT": where a person opens the app
	ProviderURL string // "http://127.0.0.1:PORT/dev/oauth": the built-in development provider, on a different site
	SessionDir  string

	cmd     *exec.Cmd
	stop    context.CancelFunc // sends SIGTERM, and SIGKILL if the app is still running appStopTimeout later
	exited  chan struct{}      // closed once the process has exited and all its output is read
	waitErr error              // how the process exited; read it only after exited is closed

	mu   sync.Mutex
	logs []string
}

// startApp builds the application if this test run has not yet, starts it
// on a free loopback port with a fresh session directory, and waits until it
// listens. The app is stopped when the test ends; if it exited on its own
// before that, the test fails.
func startApp(t *testing.T, opts appOptions) *app {
	t.Helper()
	binary, err := buildApp()
	if err != nil {
		t.Fatalf("building the app: %v", err)
	}

	port := freePort(t)
	dir := t.TempDir()
	workDir := dir // where no env/*/.env file is found
	a := &app{
		URL:         "http://localhost:" + port,
		ProviderURL: "http://127.0.0.1:" + port + "/dev/oauth",
		SessionDir:  filepath.Join(dir, "sessions"),
		exited:      make(chan struct{}),
	}
	env := map[string]string{
		"ENVIRONMENT":           "e2e",
		"ADDR":                  "127.0.0.1:" + port,
		"CLIENT_ID":             "local-dev-client",
		"CLIENT_SECRET":         "local-dev-secret-not-a-real-secret",
		"AUTHORIZE_URL":         a.ProviderURL + "/authorize",
		"TOKEN_URL":             a.ProviderURL + "/token",
		"USER_URL":              a.ProviderURL + "/user",
		"REDIRECT_URL":          a.URL + "/oauth/callback",
		"SECRET":                "e2e-session-key-0123456789abcdef0123456789",
		"INSECURE_DEV_PROVIDER": "true",
		"SESSION_DIR":           a.SessionDir,
		"LOG_LEVEL":             "debug",
		"HOME":                  dir,
		"PATH":                  os.Getenv("PATH"),
	}
	if opts.LocalSettings {
		env = map[string]string{
			"PORT":        port,
			"SESSION_DIR": a.SessionDir,
			"HOME":        dir,
			"PATH":        os.Getenv("PATH"),
		}
		if workDir, err = moduleRoot(); err != nil {
			t.Fatal(err)
		}
	}
	maps.Copy(env, opts.Env)

	ctx, stop := context.WithCancel(context.Background())
	a.stop = stop
	a.cmd = exec.CommandContext(ctx, binary)
	a.cmd.Dir = workDir
	for name, value := range env {
		a.cmd.Env = append(a.cmd.Env, name+"="+value)
	}
	a.cmd.Cancel = func() error { return a.cmd.Process.Signal(syscall.SIGTERM) }
	a.cmd.WaitDelay = appStopTimeout
	stderr, err := a.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("starting the app: %v", err)
	}
	listening := make(chan struct{})
	go a.readLogs(stderr, listening)
	t.Cleanup(func() { a.shutDown(t) })

	select {
	case <-listening:
		return a
	case <-a.exited:
		t.Fatal("the app exited before listening") // the cleanup shows why
	case <-time.After(appStartTimeout):
		t.Fatalf("the app did not log \"listening\" within %v; its last log lines:\n%s", appStartTimeout, a.lastLogs(20))
	}
	return nil
}

// Logs returns the lines the app has written to stderr so far: JSON log
// records, unless something went badly wrong.
func (a *app) Logs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.logs...)
}

// readLogs collects the app's stderr line by line, closes listening when the
// app says it is ready, and waits for the process once its output ends.
func (a *app) readLogs(stderr io.Reader, listening chan<- struct{}) {
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		line := lines.Text()
		a.mu.Lock()
		a.logs = append(a.logs, line)
		a.mu.Unlock()

		// The record is JSON, or slog's text with LOG_FORMAT=text.
		var record struct{ Msg string }
		ready := json.Unmarshal([]byte(line), &record) == nil && record.Msg == "listening" ||
			strings.Contains(line, " msg=listening ")
		if ready && listening != nil {
			close(listening)
			listening = nil
		}
	}
	a.waitErr = a.cmd.Wait()
	close(a.exited)
}

// shutDown stops the app at the end of a test, which fails if the app had
// stopped by itself.
func (a *app) shutDown(t *testing.T) {
	select {
	case <-a.exited:
		t.Errorf("the app exited before the test ended (%v); its last log lines:\n%s", a.waitErr, a.lastLogs(20))
		return
	default:
	}
	a.stop()
	<-a.exited
	if t.Failed() {
		t.Logf("the app's last log lines:\n%s", a.lastLogs(20))
	}
}

// logMark returns a position in the app's log, to ask later what happened
// from there on.
func (a *app) logMark() int {
	return len(a.Logs())
}

// requestPathsSince returns the path of each request the app has logged
// since mark, in the order it logged them. The app logs a request once it
// has answered it, so a browser may show a page a moment before its
// request is in the log.
func (a *app) requestPathsSince(mark int) []string {
	var paths []string
	for _, line := range a.Logs()[mark:] {
		var record struct{ Msg, Path string }
		if json.Unmarshal([]byte(line), &record) == nil && record.Msg == "request" {
			paths = append(paths, record.Path)
		}
	}
	return paths
}

func (a *app) lastLogs(n int) string {
	logs := a.Logs()
	return strings.Join(logs[max(0, len(logs)-n):], "\n")
}

// moduleRoot returns the directory of the go.mod of the module under test.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// freePort returns a loopback port that nothing listened on a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}
