//go:build linux

package e2e

// TestPerformanceReport measures what README's Performance section reports
// (issue 5). It is skipped unless asked for, and takes about four minutes:
//
//	go test -v -run TestPerformanceReport -timeout 30m ./oauth/e2e/ -perf
//
// (-perf goes after the package: go test hands the flags it does not know,
// and everything after them, to the test binary.) Everything runs on this
// machine over loopback, the load generator included, so run it on a quiet
// machine. Each comparison interleaves its two sides (A B B A …) and
// reports medians, so that a neighbour's build slows both sides alike, and
// gives the CPU time per request besides, which a neighbour hardly
// changes. Nothing here is asserted: the numbers are printed as one table.

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
	"oauthlogin/templates"
)

var (
	perf     = flag.Bool("perf", false, "run TestPerformanceReport, the measurements behind README's Performance section")
	perfDirs = flag.String("perf.dirs", "", "comma-separated directories whose file systems the logins are measured on (default: the temporary directory and /dev/shm)")
)

// The shape of the load, as issue 5 describes it.
const (
	pageWorkers  = 32          // keep-alive connections, one goroutine each
	pageRound    = time.Second // one round of page views
	pagePairs    = 16          // rounds of each side, interleaved
	loginWorkers = 8           // visitors logging in at once
	loginRound   = 3 * time.Second
	loginRounds  = 3
	sweepFiles   = 100_000
	rssEarly     = 100_000   // page views before the first RSS reading
	rssLate      = 1_000_000 // page views before the second
	starts       = 9         // starts of the binary timed
)

func TestPerformanceReport(t *testing.T) {
	if !*perf {
		t.Skip("the performance report runs only with -perf")
	}
	var rows [][3]string
	row := func(what, value, notes string) {
		rows = append(rows, [3]string{what, value, notes})
		fmt.Printf("%s: %s (%s)\n", what, value, notes)
	}

	// 1. Page views: the bare page against the session stack.
	st := newPerfStack(t, t.TempDir())
	cookies := st.logins(t, pageWorkers)
	client := loadClient()
	st.pageViews(client, "/bare", cookies, time.Second) // warm both paths up
	st.pageViews(client, "/", cookies, time.Second)
	loads, saves, deletes := st.store.counts()
	bare, withSession, ratios := interleave(
		func() loadResult { return st.pageViews(client, "/bare", cookies, pageRound) },
		func() loadResult { return st.pageViews(client, "/", cookies, pageRound) })
	loads2, saves2, deletes2 := st.store.counts()
	views := 0
	for _, r := range withSession {
		views += r.requests
	}
	row("Page view, bare handler (no session)", perSecond(median(bare, loadResult.perSecond)),
		fmt.Sprintf("p99 %s; CPU %.1f µs per page view", ms(median(bare, loadResult.p99)), median(bare, loadResult.cpuPerRequest)))
	row("Page view, session stack", perSecond(median(withSession, loadResult.perSecond)),
		fmt.Sprintf("p99 %s; CPU %.1f µs per page view", ms(median(withSession, loadResult.p99)), median(withSession, loadResult.cpuPerRequest)))
	row("  ratio session / bare", fmt.Sprintf("%.2f", medianOf(ratios)),
		fmt.Sprintf("median of %d paired rounds, range %.2f–%.2f; by CPU per page view %.2f", len(ratios), slices.Min(ratios), slices.Max(ratios),
			median(bare, loadResult.cpuPerRequest)/median(withSession, loadResult.cpuPerRequest)))
	row("  store reads per page view", fmt.Sprintf("%.3f", float64(loads2-loads)/float64(views)),
		fmt.Sprintf("%d page views", views))
	row("  store writes, removals per page view", fmt.Sprintf("%d, %d", saves2-saves, deletes2-deletes),
		"touch: once a minute per session")

	// 2. Logins, with the session directory on each file system asked for.
	for _, base := range loginDirs(t) {
		value, notes := newPerfStack(t, base).loginRounds(t)
		row("Logins, "+describeDir(base), value, notes)
	}

	// 3. The store at scale: the same page views with 1,000 and with
	// 100,000 session files in the directory, interleaved.
	fillDir(t, st.dir, 1_000-len(cookies), time.Now().Add(-time.Hour))
	big := newPerfStack(t, t.TempDir())
	bigCookies := big.logins(t, pageWorkers)
	fillDir(t, big.dir, sweepFiles, time.Now().Add(-time.Hour))
	small, large, scale := interleave(
		func() loadResult { return st.pageViews(client, "/", cookies, pageRound) },
		func() loadResult { return big.pageViews(client, "/", bigCookies, pageRound) })
	row("Page view with 100,000 sessions on disk", perSecond(median(large, loadResult.perSecond)),
		fmt.Sprintf("with 1,000: %s; cost ×%.2f by throughput, ×%.2f by CPU per page view", perSecond(median(small, loadResult.perSecond)),
			1/medianOf(scale), median(large, loadResult.cpuPerRequest)/median(small, loadResult.cpuPerRequest)))

	// 4. A sweep of those 100,000 files (all expired) under load.
	value, notes := big.sweepUnderLoad(t, client, bigCookies, large)
	row("Sweep of 100,000 expired sessions", value, notes)

	// 5. The real binary: memory over a million page views, and start-up.
	rss100k, rss1M, rate := binaryRSS(t)
	row("RSS of the binary after 100k page views", mib(rss100k), "")
	row("RSS of the binary after 1M page views", mib(rss1M),
		fmt.Sprintf("%+.1f%%; the binary's own page views (all of main.go's middleware, request log drained): %s", 100*float64(rss1M-rss100k)/float64(rss100k), perSecond(rate)))
	startup := binaryStartup(t)
	row("Start-up, exec to \"listening\"", ms(medianOf(startup)),
		fmt.Sprintf("median of %d; range %s–%s", len(startup), ms(slices.Min(startup)), ms(slices.Max(startup))))

	var out strings.Builder
	fmt.Fprintf(&out, "\nPerformance report: %s, %s/%s, %d CPUs, %s\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), time.Now().Format("2006-01-02"))
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r[0], r[1], r[2])
	}
	tw.Flush()
	fmt.Fprintf(&out, "\nPage views: %d keep-alive connections over loopback, %d rounds of %v per side, interleaved.\n", pageWorkers, pagePairs, pageRound)
	fmt.Fprintf(&out, "Both sides: the same ServeMux and server timeouts as main.go; no request logging, no security headers.\n")
	fmt.Fprintf(&out, "Logins: %d visitors, GET / → authorize → callback → token → user → home, oauthtest on loopback, %d rounds of %v.\n", loginWorkers, loginRounds, loginRound)
	fmt.Print(out.String())
}

// perfStack is the application's stack for a protected page, built as
// main.go's newHandler builds it, with a provider on loopback that
// approves at once. GET / is the protected home page; GET /bare renders
// the same page for a fixed user without any session.
type perfStack struct {
	server   *httptest.Server
	provider *oauthtest.Server
	store    *countingStore
	files    *session.FileStore
	dir      string
}

func newPerfStack(t *testing.T, base string) *perfStack {
	t.Helper()
	secret := []byte("perf key that names sessions, at least 32 bytes")
	st := &perfStack{dir: filepath.Join(base, "sessions")}
	files, err := session.NewFileStore(st.dir, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.files, st.store = files, &countingStore{Store: files}

	st.server = httptest.NewUnstartedServer(nil)
	redirectURL := "http://" + st.server.Listener.Addr().String() + "/oauth/callback"
	st.provider = oauthtest.NewServer(oauthtest.Config{
		ClientID: "perf-client", ClientSecret: "perf-secret", RedirectURL: redirectURL, AutoApprove: "ada",
	})
	t.Cleanup(st.provider.Close)

	logger := slog.New(slog.DiscardHandler)
	pages, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	showError := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
		pages.RenderError(w, templates.Error{Status: f.Status, Title: f.Title, Message: f.Message})
	}
	sessions, err := session.NewManager(st.store, session.Options{HashKey: secret, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	client := oauth.NewClient(oauth.Config{
		ClientID: "perf-client", ClientSecret: "perf-secret",
		AuthorizeURL: st.provider.AuthorizeURL(), TokenURL: st.provider.TokenURL(), UserURL: st.provider.UserURL(),
		RedirectURL: redirectURL, Scope: "read",
	}, nil)
	login := oauth.NewLogin(client, showError, oauth.LoginOptions{Logger: logger})
	home := func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		pages.RenderHome(w, templates.Home{Username: u.Username, Name: u.Name, Email: u.Email})
	}
	bare := func(w http.ResponseWriter, _ *http.Request) {
		pages.RenderHome(w, templates.Home{Username: "ada", Name: "Ada (dev)", Email: "ada@example.test"})
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", sessions.Middleware(login.Require(http.HandlerFunc(home))))
	mux.Handle("GET /oauth/callback", sessions.Middleware(http.HandlerFunc(login.Callback)))
	mux.HandleFunc("GET /bare", bare)

	// main.go's newServer, without the logger.
	st.server.Config = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	st.server.Start()
	t.Cleanup(st.server.Close)
	return st
}

// countingStore counts the calls that reach the session store: the
// reads, writes and removals the report shows are counted, not guessed.
type countingStore struct {
	session.Store
	loads, saves, deletes atomic.Int64
}

func (s *countingStore) Load(id string) ([]byte, bool, error) {
	s.loads.Add(1)
	return s.Store.Load(id)
}

func (s *countingStore) Save(id string, rec []byte, expiry time.Time) error {
	s.saves.Add(1)
	return s.Store.Save(id, rec, expiry)
}

func (s *countingStore) Delete(id string) error {
	s.deletes.Add(1)
	return s.Store.Delete(id)
}

func (s *countingStore) counts() (loads, saves, deletes int64) {
	return s.loads.Load(), s.saves.Load(), s.deletes.Load()
}

// loadClient is the load generator's client: keep-alive connections, at
// least one per worker.
func loadClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * pageWorkers, DisableCompression: true}}
}

// login logs one visitor in, following every redirect, and returns the
// session cookie's value.
func (st *perfStack) login(transport http.RoundTripper) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: transport}
	resp, err := c.Get(st.server.URL + "/")
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Hello, ada") {
		return "", fmt.Errorf("login ended at %s with HTTP %d", resp.Request.URL, resp.StatusCode)
	}
	for _, c := range jar.Cookies(resp.Request.URL) {
		if c.Name == sessionCookie {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("no session cookie after the login")
}

// logins logs n visitors in and returns their cookies, ready for a Cookie
// header.
func (st *perfStack) logins(t *testing.T, n int) []string {
	t.Helper()
	cookies := make([]string, n)
	for i := range cookies {
		v, err := st.login(nil)
		if err != nil {
			t.Fatal(err)
		}
		cookies[i] = sessionCookie + "=" + v
	}
	return cookies
}

// loadResult is one round of load.
type loadResult struct {
	requests  int
	elapsed   time.Duration
	cpu       time.Duration   // CPU time of this whole process, server and load generator
	latencies []time.Duration // sorted
}

func (r loadResult) perSecond() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// cpuPerRequest is in microseconds. Unlike the throughput it hardly
// depends on what else the machine is running.
func (r loadResult) cpuPerRequest() float64 {
	return float64(r.cpu.Microseconds()) / float64(r.requests)
}

func (r loadResult) p99() float64 { return float64(percentile(r.latencies, 99)) }

// pageViews is one round: pageWorkers goroutines, each on its own
// keep-alive connection with its own visitor's cookie, GET path in a loop
// for d.
func (st *perfStack) pageViews(client *http.Client, path string, cookies []string, d time.Duration) loadResult {
	return runLoad(client, st.server.URL+path, cookies, pageWorkers, d, nil)
}

// runLoad sends GET requests to target from workers goroutines until d has
// passed or stop is closed. A request that does not end in 200 panics: the
// numbers would mean nothing.
func runLoad(client *http.Client, target string, cookies []string, workers int, d time.Duration, stop <-chan struct{}) loadResult {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start, cpu := time.Now(), cpuTime()
	deadline := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, target, nil)
			req.Header.Set("Cookie", cookies[w%len(cookies)])
			var mine []time.Duration
			for t0 := time.Now(); t0.Before(deadline) && !closed(stop); t0 = time.Now() {
				resp, err := client.Do(req)
				if err != nil {
					panic(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					panic(fmt.Sprintf("GET %s: HTTP %d", target, resp.StatusCode))
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu
	slices.Sort(all)
	return loadResult{requests: len(all), elapsed: elapsed, cpu: cpu, latencies: all}
}

// interleave runs pagePairs pairs of rounds, a and b, in the order
// A B B A A B B A …, so that a load that rises or falls on the machine
// weighs on both sides alike. It returns the rounds of each side and the
// throughput ratio b/a of each pair.
func interleave(a, b func() loadResult) (as, bs []loadResult, ratios []float64) {
	for i := range pagePairs {
		var ra, rb loadResult
		if i%2 == 0 {
			ra, rb = a(), b()
		} else {
			rb, ra = b(), a()
		}
		as, bs = append(as, ra), append(bs, rb)
		ratios = append(ratios, rb.perSecond()/ra.perSecond())
	}
	return as, bs, ratios
}

// cpuTime is the CPU time this process has used so far, user and system.
func cpuTime() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// loginRounds runs loginRounds rounds of loginWorkers visitors logging in
// again and again, and describes the medians.
func (st *perfStack) loginRounds(t *testing.T) (value, notes string) {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * loginWorkers}
	defer transport.CloseIdleConnections()
	if _, err := st.login(transport); err != nil { // warm the connections
		t.Fatal(err)
	}
	var rates, p50s, p99s []float64
	var logins int64
	_, saves, deletes := st.store.counts()
	for range loginRounds {
		var mu sync.Mutex
		var took []time.Duration
		var wg sync.WaitGroup
		start := time.Now()
		deadline := start.Add(loginRound)
		for range loginWorkers {
			wg.Go(func() {
				var mine []time.Duration
				for t0 := time.Now(); t0.Before(deadline); t0 = time.Now() {
					if _, err := st.login(transport); err != nil {
						t.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				took = append(took, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		slices.Sort(took)
		logins += int64(len(took))
		rates = append(rates, float64(len(took))/elapsed.Seconds())
		p50s = append(p50s, float64(percentile(took, 50)))
		p99s = append(p99s, float64(percentile(took, 99)))
	}
	_, saves2, deletes2 := st.store.counts()
	return perSecond(medianOf(rates)), fmt.Sprintf("p50 %s, p99 %s; per login %.2f writes, %.2f removals (%d logins)",
		ms(medianOf(p50s)), ms(medianOf(p99s)),
		float64(saves2-saves)/float64(logins), float64(deletes2-deletes)/float64(logins), logins)
}

// sweepUnderLoad sweeps the store's directory, full of expired files,
// while pageWorkers keep loading the session page, and describes how long
// the sweep took and the page views' p99 meanwhile, next to the quiet
// rounds given.
func (st *perfStack) sweepUnderLoad(t *testing.T, client *http.Client, cookies []string, quiet []loadResult) (value, notes string) {
	t.Helper()
	// Sessions that expired have long been written out: removing a file
	// that is on disk can cost more than removing one still in memory.
	syscall.Sync()
	stop := make(chan struct{})
	loaded := make(chan loadResult)
	go func() { loaded <- runLoad(client, st.server.URL+"/", cookies, pageWorkers, time.Hour, stop) }()
	time.Sleep(200 * time.Millisecond) // let the load reach its pace
	start := time.Now()
	removed, err := st.files.Sweep()
	took := time.Since(start)
	close(stop)
	during := <-loaded
	if err != nil || removed != sweepFiles {
		t.Fatalf("sweep removed %d of %d: %v", removed, sweepFiles, err)
	}
	return ms(float64(took)), fmt.Sprintf("page views meanwhile: %s, p99 %s (without a sweep: %s, p99 %s)",
		perSecond(during.perSecond()), ms(during.p99()),
		perSecond(median(quiet, loadResult.perSecond)), ms(median(quiet, loadResult.p99)))
}

// fillDir writes n expired files into a session directory, with names of
// the store's shape that no cookie leads to, as the abandoned sessions of
// a busy site would be.
func fillDir(t *testing.T, dir string, n int, mtime time.Time) {
	t.Helper()
	name := make([]byte, 32)
	for range n {
		rand.Read(name)
		p := filepath.Join(dir, hex.EncodeToString(name))
		if err := os.WriteFile(p, []byte(`{"v":1,"created":1,"seen":1,"values":{}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// loginDirs are the directories whose file systems the logins are measured
// on: those given with -perf.dirs, or else the temporary directory and,
// where there is one, tmpfs.
func loginDirs(t *testing.T) []string {
	var dirs []string
	if *perfDirs != "" {
		dirs = strings.Split(*perfDirs, ",")
	} else {
		dirs = []string{os.TempDir()}
		if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
			dirs = append(dirs, "/dev/shm")
		}
	}
	for i, d := range dirs {
		base, err := os.MkdirTemp(d, "oauthlogin-perf-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(base) })
		dirs[i] = base
	}
	return dirs
}

// binaryRSS starts the real binary, logs pageWorkers visitors in through
// its development provider, and reads its resident memory after rssEarly
// and rssLate page views. It also returns the page views per second of the
// late stretch.
func binaryRSS(t *testing.T) (early, late int64, rate float64) {
	t.Helper()
	a, cmd, _ := startBinary(t)
	pid := cmd.Process.Pid
	var cookies []string
	for range pageWorkers {
		v := newVisitor(t)
		v.login(a, "/", "ada")
		cookies = append(cookies, sessionCookie+"="+v.cookie(a))
	}
	client := loadClient()
	views := func(n int) {
		var left atomic.Int64
		left.Store(int64(n))
		var wg sync.WaitGroup
		for w := range pageWorkers {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, a.URL+"/", nil)
				req.Header.Set("Cookie", cookies[w])
				for left.Add(-1) >= 0 {
					resp, err := client.Do(req)
					if err != nil {
						panic(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						panic(fmt.Sprintf("HTTP %d", resp.StatusCode))
					}
				}
			})
		}
		wg.Wait()
	}
	views(rssEarly)
	early = rss(t, pid)
	start := time.Now()
	views(rssLate - rssEarly)
	rate = float64(rssLate-rssEarly) / time.Since(start).Seconds()
	late = rss(t, pid)
	return early, late, rate
}

// startBinary starts the built application as startApp does, but with its
// default log level and its log records drained and dropped: a million
// request records would otherwise pile up in this process. It returns the
// app (for its URLs), its process, and how long it took from exec to
// its "listening" record. The app is stopped when the test ends.
func startBinary(t *testing.T) (a *app, cmd *exec.Cmd, startup time.Duration) {
	t.Helper()
	binary, err := buildApp()
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	dir := t.TempDir()
	a = &app{URL: "http://localhost:" + port, ProviderURL: "http://127.0.0.1:" + port + "/dev/oauth"}
	cmd = exec.Command(binary)
	cmd.Dir = dir
	cmd.Env = []string{
		"ENVIRONMENT=e2e",
		"ADDR=127.0.0.1:" + port,
		"CLIENT_ID=e2e-client",
		"CLIENT_SECRET=e2e-secret",
		"AUTHORIZE_URL=" + a.ProviderURL + "/authorize",
		"TOKEN_URL=" + a.ProviderURL + "/token",
		"USER_URL=" + a.ProviderURL + "/user",
		"REDIRECT_URL=" + a.URL + "/oauth/callback",
		"SECRET=e2e-session-key-0123456789abcdef0123456789",
		"INSECURE_DEV_PROVIDER=true",
		"SESSION_DIR=" + filepath.Join(dir, "sessions"),
		"LOGIN_RATE_LIMIT=0", // one address logs in pageWorkers times
		"HOME=" + dir,
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if strings.Contains(lines.Text(), `"msg":"listening"`) {
			startup = time.Since(start)
			go io.Copy(io.Discard, stderr)
			return a, cmd, startup
		}
	}
	t.Fatalf("the app exited before listening")
	return nil, nil, 0
}

// rss reads a process's resident set size from /proc.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/PID/status")
	return 0
}

// binaryStartup starts the built binary several times, one after the
// other, and returns how long each took from exec to its "listening" log
// record.
func binaryStartup(t *testing.T) []float64 {
	t.Helper()
	var took []float64
	for range starts {
		_, cmd, startup := startBinary(t)
		took = append(took, float64(startup))
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	return took
}

// describeDir names the file system that holds dir, for the table. For
// ext4 it says whether there is a journal: without one, the kernel skips
// recently freed inodes one by one when it makes a file, which weighs on
// every write of a new session.
func describeDir(dir string) string {
	kind := "an unknown file system"
	if b, err := os.ReadFile("/proc/mounts"); err == nil {
		best := ""
		for line := range strings.Lines(string(b)) {
			f := strings.Fields(line)
			if len(f) < 3 || !strings.HasPrefix(dir, f[1]) || len(f[1]) < len(best) {
				continue
			}
			best, kind = f[1], f[2]
			if kind == "ext4" {
				journals, _ := filepath.Glob("/proc/fs/jbd2/" + filepath.Base(f[0]) + "-*")
				if len(journals) == 0 {
					kind += " without journal"
				} else {
					kind += " with journal"
				}
			}
		}
	}
	return fmt.Sprintf("%d visitors, SESSION_DIR on %s", loginWorkers, kind)
}

// closed reports whether c is closed; a nil c never is.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func median[T any](xs []T, f func(T) float64) float64 {
	values := make([]float64, len(xs))
	for i, x := range xs {
		values[i] = f(x)
	}
	return medianOf(values)
}

func medianOf(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func perSecond(x float64) string { return fmt.Sprintf("%.0f/s", x) }

func ms(nanos float64) string { return fmt.Sprintf("%.2f ms", nanos/1e6) }

func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }
