//go:build linux

package e2e

// TestPerformanceReport measures what oauth/e2e/README.md's performance
// table reports, the way a user would measure the app: the built binary
// with its default settings, driven over TCP by a separate process, in
// the same run as a bare net/http server that renders the same page and
// the pairing of issue 24, the same login written with golang.org/x/oauth2
// and scs (testdata/pairing, a module of its own, so that go.mod keeps no
// require). Beside the defaults, the app runs with each capability turned
// on. It is skipped unless asked for, and takes about six minutes:
//
//	go test -v -run TestPerformanceReport -timeout 30m ./oauth/e2e/ -perf
//
// (-perf goes after the package: go test hands the flags it does not know,
// and everything after them, to the test binary.) Every process runs on
// this machine, so run it on a quiet one. The sides of each comparison
// take turns round by round, in an order that rotates, so that a
// neighbour's build slows every side alike; the table gives medians and
// the range of the per-round ratios. Nothing here is asserted: the numbers
// are printed as one table.

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"oauthlogin/oauth/oauthtest"
)

var perf = flag.Bool("perf", false, "run TestPerformanceReport, the measurements behind oauth/e2e/README.md's performance table")

// The shape of the load, as issues 12 and 24 describe it.
const (
	pageWorkers = 32 // keep-alive connections, one logged-in visitor each
	pageRound   = 2 * time.Second
	pageRounds  = 8  // rounds of each side
	manyLogins  = 32 // visitors logging in at once; the report also logs them in one at a time
	loginRound  = 3 * time.Second
	loginRounds = 5
	rssEarly    = 100_000   // page views before the first memory reading
	rssLate     = 1_000_000 // page views before the second
	starts      = 9         // starts of the binary timed

	// pageSizeTolerance is how much the pairing's home page may differ in
	// size from the bare one, which is the app's, before the comparison
	// stops being of the same page.
	pageSizeTolerance = 0.05
)

// perfSide is one server under load: the app with some settings, the
// pairing, or the bare baseline.
type perfSide struct {
	name    string
	short   string // how a ratio names it: "bare", "the pairing"; "" for the app's sides
	url     string
	cmd     *exec.Cmd
	cookies []string // one logged-in visitor per page worker
	logFile string   // where the server writes its log; "" for the bare server
}

// perfApp is one side of the app: the settings it runs with.
type perfApp struct {
	name   string            // what it turns on
	env    map[string]string // adds to or overrides startPerfApp's environment
	openID bool              // the provider serves OpenID Connect, found through ISSUER
}

func TestPerformanceReport(t *testing.T) {
	if !*perf {
		t.Skip("the performance report runs only with -perf")
	}
	var rows [][3]string
	row := func(what, value, notes string) {
		rows = append(rows, [3]string{what, value, notes})
		fmt.Printf("%s: %s (%s)\n", what, value, notes)
	}

	bare := startBare(t)
	pairing := startPairing(t) // nil when its module cannot be built
	apps := []*perfSide{
		startPerfApp(t, perfApp{name: "defaults"}),
		startPerfApp(t, perfApp{name: "LOG_LEVEL=warn", env: map[string]string{"LOG_LEVEL": "warn"}}),
		// Issue 24: each capability turned on. The provider gives every
		// user an address at example.test, which the rule admits.
		startPerfApp(t, perfApp{name: "ALLOWED_EMAIL_DOMAINS=example.test",
			env: map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.test"}}),
		// Issue 22: kept tokens, and the home page asking the provider's
		// user endpoint with them at every view.
		startPerfApp(t, perfApp{name: "KEEP_TOKENS=true", env: map[string]string{"KEEP_TOKENS": "true"}}),
		// Issue 23: back-channel logout comes with OpenID Connect (an
		// ISSUER), which also brings the ID token and the index of each
		// person's sessions; there is no switch for it alone.
		startPerfApp(t, perfApp{name: "ISSUER set (OpenID Connect, back-channel logout)", openID: true}),
	}
	if redisURL := perfRedis(t); redisURL != "" {
		apps = append(apps, startPerfApp(t, perfApp{name: "SESSION_STORE=redis",
			env: map[string]string{"SESSION_STORE": "redis", "REDIS_URL": redisURL}}))
	}
	app := apps[0]
	servers := apps // every side that logs people in
	if pairing != nil {
		servers = append([]*perfSide{pairing}, apps...)
	}
	sides := append([]*perfSide{bare}, servers...)
	for _, s := range servers {
		s.cookies = s.logins(t, pageWorkers)
	}
	bare.cookies = app.cookies // ignored by the bare page, sent all the same
	bareBytes := bare.pageBytes(t)
	pageSizes := fmt.Sprintf("the home page is %d bytes from bare net/http", bareBytes)
	if pairing != nil {
		p := pairing.pageBytes(t)
		if diff := float64(p-bareBytes) / float64(bareBytes); diff < -pageSizeTolerance || diff > pageSizeTolerance {
			t.Fatalf("the pairing's home page is %d bytes, the bare one %d: make testdata/pairing/home.html the same size", p, bareBytes)
		}
		pageSizes += fmt.Sprintf(", %d from the pairing", p)
	}
	// Each ratio of an app's side is to the pairing, when there is one,
	// and to bare.
	bases := []*perfSide{bare}
	if pairing != nil {
		bases = []*perfSide{pairing, bare}
	}

	// 1. Page views: every side in every round, in a rotating order.
	pages := map[*perfSide][]perfResult{}
	cpu := map[*perfSide][]float64{}
	for _, s := range sides { // warm up
		drive(t, perfJob{Mode: "pages", URL: s.url + "/", Cookies: s.cookies, Workers: pageWorkers, Duration: time.Second}, s)
	}
	for round := range pageRounds {
		for i := range sides {
			s := sides[(round+i)%len(sides)]
			before := processCPU(t, s.cmd.Process.Pid)
			r := drive(t, perfJob{Mode: "pages", URL: s.url + "/", Cookies: s.cookies, Workers: pageWorkers, Duration: pageRound}, s)
			pages[s] = append(pages[s], r)
			cpu[s] = append(cpu[s], float64(processCPU(t, s.cmd.Process.Pid)-before)/float64(r.Requests))
		}
	}
	row("Page views, bare net/http", perSecond(median(pages[bare], perfResult.perSecond)),
		fmt.Sprintf("p99 %s; server CPU %s per page view", ms(median(pages[bare], p99)), us(medianOf(cpu[bare]))))
	for _, s := range servers {
		against := bases
		if s == pairing {
			against = []*perfSide{bare}
		}
		row("Page views, "+s.name, perSecond(median(pages[s], perfResult.perSecond)),
			fmt.Sprintf("%s; p99 %s; server CPU %s per page view",
				versus(pages, s, against), ms(median(pages[s], p99)), us(medianOf(cpu[s]))))
	}

	// 2. Logins, every side but bare in turn, each visitor from an address
	// of its own behind a trusted proxy: many at once, then one at a time.
	address := 0
	for _, workers := range []int{manyLogins, 1} {
		logins := map[*perfSide][]perfResult{}
		for round := range loginRounds {
			for i := range servers {
				s := servers[(round+i)%len(servers)]
				r := drive(t, perfJob{Mode: "logins", URL: s.url, Workers: workers, Duration: loginRound, FirstAddress: address}, s)
				address += r.Requests + r.Errors + workers
				logins[s] = append(logins[s], r)
			}
		}
		what := fmt.Sprintf("Logins, %d at once, ", workers)
		if workers == 1 {
			what = "Logins, one at a time, "
		}
		for _, s := range servers {
			rates := make([]float64, len(logins[s]))
			for i, r := range logins[s] {
				rates[i] = r.perSecond()
			}
			notes := fmt.Sprintf("rounds %s–%s; p50 %s, p99 %s", perSecond(slices.Min(rates)), perSecond(slices.Max(rates)),
				ms(median(logins[s], p50)), ms(median(logins[s], p99)))
			if pairing != nil && s != pairing {
				notes = versus(logins, s, []*perfSide{pairing}) + "; " + notes
			}
			row(what+s.name, perSecond(medianOf(rates)), notes)
		}
	}

	// 3. What reaches the disk, counted by strace: the app's system calls
	// during a round of logins and a round of page views.
	if _, err := exec.LookPath("strace"); err != nil {
		row("System calls per login and per page view", "not measured", "strace is not installed (apt-get install strace)")
	} else {
		calls, r := traceRound(t, app, perfJob{Mode: "logins", URL: app.url, Workers: manyLogins, Duration: loginRound, FirstAddress: address})
		row("Per login, with the file store", fmt.Sprintf("%.2f flushes", per(calls, r, "fsync", "fdatasync", "syncfs")),
			fmt.Sprintf("%.2f files written (rename), %.2f removed (unlink), %.2f opened; %d logins under strace",
				per(calls, r, "rename", "renameat", "renameat2"), per(calls, r, "unlink", "unlinkat"), per(calls, r, "openat"), r.Requests))
		calls, r = traceRound(t, app, perfJob{Mode: "pages", URL: app.url + "/", Cookies: app.cookies, Workers: pageWorkers, Duration: pageRound})
		row("Per page view, with the file store", fmt.Sprintf("%.2f files opened", per(calls, r, "openat")),
			fmt.Sprintf("%.2f written, %.2f removed, %.2f flushes; %d page views under strace",
				per(calls, r, "rename", "renameat", "renameat2"), per(calls, r, "unlink", "unlinkat"), per(calls, r, "fsync", "fdatasync", "syncfs"), r.Requests))
	}

	// 4. Memory over a million page views, and start-up.
	drive(t, perfJob{Mode: "pages", URL: app.url + "/", Cookies: app.cookies, Workers: pageWorkers, Requests: rssEarly}, app)
	early := rss(t, app.cmd.Process.Pid)
	drive(t, perfJob{Mode: "pages", URL: app.url + "/", Cookies: app.cookies, Workers: pageWorkers, Requests: rssLate - rssEarly}, app)
	late := rss(t, app.cmd.Process.Pid)
	row("RSS of the app after 100k, 1M page views", mib(early)+", "+mib(late), fmt.Sprintf("%+.1f%%", 100*float64(late-early)/float64(early)))
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
	fmt.Fprintf(&out, "\nEach server is its own process; the load comes from another (this test binary as a driver) over loopback TCP.\n")
	if pairing != nil {
		fmt.Fprintf(&out, "The pairing is testdata/pairing: golang.org/x/oauth2 and alexedwards/scs with its in-memory store, no log per request.\n")
	}
	fmt.Fprintf(&out, "Ratios are taken round by round, between figures of the same round: median, and the range over the rounds.\n")
	fmt.Fprintf(&out, "Page views: %d keep-alive connections, one logged-in visitor each; %d rounds of %v per side, in rotating order; %s.\n",
		pageWorkers, pageRounds, pageRound, pageSizes)
	fmt.Fprintf(&out, "Logins: %d visitors at once, then one; each login a new person, cookie jar and address: GET / → provider's sign-in form,\n", manyLogins)
	fmt.Fprintf(&out, "  sent at once → callback → token → user → home; an oauthtest provider per side; %d rounds of %v per side.\n", loginRounds, loginRound)
	fmt.Fprintf(&out, "The app logs to a file, as under a service manager.\n")
	fmt.Print(out.String())
}

// versus compares s's rate with each of bases' in results, round by round:
// "×0.52 of bare (rounds 0.49–0.56)". Every side has one result per round,
// in the order of the rounds.
func versus(results map[*perfSide][]perfResult, s *perfSide, bases []*perfSide) string {
	var parts []string
	for _, base := range bases {
		ratios := make([]float64, len(results[s]))
		for round, r := range results[s] {
			ratios[round] = r.perSecond() / results[base][round].perSecond()
		}
		parts = append(parts, fmt.Sprintf("×%.2f of %s (rounds %.2f–%.2f)", medianOf(ratios), base.short, slices.Min(ratios), slices.Max(ratios)))
	}
	return strings.Join(parts, ", ")
}

// perfProvider starts an oauthtest provider for the server whose callback
// is redirectURL. signInAs signs in with its form.
func perfProvider(t *testing.T, redirectURL string, openID bool) *oauthtest.Server {
	t.Helper()
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "perf-client", ClientSecret: "perf-secret", RedirectURL: redirectURL, OpenID: openID,
	})
	t.Cleanup(provider.Close)
	return provider
}

// startPerfApp starts the built binary with its default settings, and only
// what a deployment must say: its address, its client, the stand-in
// provider, and a proxy it trusts (the driver sends every login from an
// address of its own). Sessions go to the default directory under HOME,
// and the logs to a file.
func startPerfApp(t *testing.T, a perfApp) *perfSide {
	t.Helper()
	binary, err := buildApp()
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	dir := t.TempDir()
	appURL := "http://127.0.0.1:" + port
	provider := perfProvider(t, appURL+"/oauth/callback", a.openID)
	env := map[string]string{
		"HOME":            dir,
		"PATH":            os.Getenv("PATH"),
		"ENVIRONMENT":     "perf", // no such folder: the process environment only
		"ADDR":            "127.0.0.1:" + port,
		"CLIENT_ID":       "perf-client",
		"CLIENT_SECRET":   "perf-secret",
		"AUTHORIZE_URL":   provider.AuthorizeURL(),
		"TOKEN_URL":       provider.TokenURL(),
		"USER_URL":        provider.UserURL(),
		"REDIRECT_URL":    appURL + "/oauth/callback",
		"SECRET":          "perf-session-key-0123456789abcdef0123456789",
		"TRUSTED_PROXIES": "127.0.0.1",
	}
	if a.openID {
		// Discovery names the endpoints.
		delete(env, "AUTHORIZE_URL")
		delete(env, "TOKEN_URL")
		delete(env, "USER_URL")
		env["PROVIDER"], env["ISSUER"] = "oidc", provider.HTTP.URL
	}
	maps.Copy(env, a.env)
	logs, err := os.Create(filepath.Join(dir, "app.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	cmd := exec.Command(binary)
	cmd.Dir = dir
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	s := &perfSide{name: "this app, " + a.name, url: appURL, cmd: cmd, logFile: filepath.Join(dir, "app.log")}
	startAndWait(t, s, s.logFile)
	return s
}

// startPairing builds and starts the pairing of issue 24, the module in
// testdata/pairing: the same login written with golang.org/x/oauth2 and
// scs's in-memory store, against a provider of its own. Its session
// cookie is scs's default, named "session" like the app's, which logins
// looks for. It returns nil when the module cannot be built, as without
// the module proxy and a module cache that holds its requirements: the
// report then goes on without the pairing's rows.
func startPairing(t *testing.T) *perfSide {
	t.Helper()
	dir := t.TempDir()
	binary := filepath.Join(dir, "pairing")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = filepath.Join("testdata", "pairing")
	build.Env = append(os.Environ(), "GOWORK=off") // its own module, whatever go.work is around
	if out, err := build.CombinedOutput(); err != nil {
		t.Logf("the report has no pairing rows: go build in %s: %v\n%s", build.Dir, err, out)
		return nil
	}
	port := freePort(t)
	appURL := "http://127.0.0.1:" + port
	provider := perfProvider(t, appURL+"/oauth/callback", false)
	logs, err := os.Create(filepath.Join(dir, "pairing.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	cmd := exec.Command(binary)
	cmd.Env = []string{
		"ADDR=127.0.0.1:" + port,
		"CLIENT_ID=perf-client",
		"CLIENT_SECRET=perf-secret",
		"AUTHORIZE_URL=" + provider.AuthorizeURL(),
		"TOKEN_URL=" + provider.TokenURL(),
		"USER_URL=" + provider.UserURL(),
		"REDIRECT_URL=" + appURL + "/oauth/callback",
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	s := &perfSide{name: "pairing: x/oauth2 + scs in memory", short: "the pairing", url: appURL, cmd: cmd, logFile: logs.Name()}
	startAndWait(t, s, s.logFile)
	return s
}

// startBare starts this test binary as the bare baseline server.
func startBare(t *testing.T) *perfSide {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), perfRoleEnv+"=bare", perfAddrEnv+"=127.0.0.1:"+port)
	cmd.Stderr = os.Stderr
	s := &perfSide{name: "bare net/http", short: "bare", url: "http://127.0.0.1:" + port, cmd: cmd}
	startAndWait(t, s, "")
	return s
}

// startAndWait starts s's process, stops it when the test ends, and waits
// until it answers /healthz.
func startAndWait(t *testing.T, s *perfSide, logFile string) {
	t.Helper()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	})
	deadline := time.Now().Add(appStartTimeout)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			out, _ := os.ReadFile(logFile)
			t.Fatalf("%s exited before it served:\n%s", s.name, out)
		case <-time.After(10 * time.Millisecond): // poll interval
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /healthz within %v", s.name, appStartTimeout)
		}
	}
}

// logins logs n visitors in, all as ada, whose page the bare server
// renders, and returns their cookies, ready for a Cookie header.
func (s *perfSide) logins(t *testing.T, n int) []string {
	t.Helper()
	cookies := make([]string, n)
	for i := range cookies {
		client := loginClient(http.DefaultTransport)
		if err := signInAs(client, s.url, fmt.Sprintf("192.0.2.%d", i), "ada"); err != nil {
			t.Fatalf("%s: login %d: %v", s.name, i, err)
		}
		u, _ := url.Parse(s.url)
		for _, c := range client.Jar.Cookies(u) {
			if c.Name == sessionCookie {
				cookies[i] = c.Name + "=" + c.Value
			}
		}
		if cookies[i] == "" {
			t.Fatalf("%s: login %d left no %s cookie", s.name, i, sessionCookie)
		}
	}
	return cookies
}

// pageBytes is the size of the home page s shows its first logged-in
// visitor.
func (s *perfSide) pageBytes(t *testing.T) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", s.cookies[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: GET /: HTTP %d, %v", s.name, resp.StatusCode, err)
	}
	return len(body)
}

// drive runs job in a driver process and returns what it measured. A round
// with errors means nothing, so it fails the test.
func drive(t *testing.T, job perfJob, s *perfSide) perfResult {
	t.Helper()
	spec, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), perfRoleEnv+"=driver", perfJobEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("driver: %v", err)
	}
	var r perfResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("driver said %q: %v", out, err)
	}
	if r.Errors > 0 || r.Requests == 0 {
		t.Fatalf("%s, %s: %d errors in %d requests, the first: %s\nthe server's last warnings:\n%s",
			s.name, job.Mode, r.Errors, r.Requests, r.Error, s.lastWarnings())
	}
	return r
}

// traceRound runs job while strace counts the system calls of s's
// process, and returns the count of each call.
func traceRound(t *testing.T, s *perfSide, job perfJob) (map[string]int, perfResult) {
	t.Helper()
	summary := filepath.Join(t.TempDir(), "strace")
	trace := exec.Command("strace", "-f", "-c", "-o", summary, "-p", strconv.Itoa(s.cmd.Process.Pid),
		"-e", "trace=fsync,fdatasync,syncfs,rename,renameat,renameat2,unlink,unlinkat,openat")
	stderr, err := trace.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.Start(); err != nil {
		t.Fatal(err)
	}
	// strace names each thread as it attaches; the first is the process.
	lines := bufio.NewScanner(stderr)
	if !lines.Scan() || !strings.Contains(lines.Text(), "attached") {
		t.Fatalf("strace did not attach: %s", lines.Text())
	}
	go io.Copy(io.Discard, stderr)
	r := drive(t, job, s)
	trace.Process.Signal(syscall.SIGINT)
	trace.Wait()
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] != "%" && !strings.HasPrefix(f[0], "-") {
			n, err := strconv.Atoi(f[3])
			if err == nil {
				calls[f[len(f)-1]] += n
			}
		}
	}
	return calls, r
}

// per is the sum of calls of the named system calls per request of r.
func per(calls map[string]int, r perfResult, names ...string) float64 {
	n := 0
	for _, name := range names {
		n += calls[name]
	}
	return float64(n) / float64(r.Requests)
}

// processCPU is the CPU time a process has used so far, user and system,
// from /proc (in clock ticks of 10 ms, which rounds of seconds make fine
// enough).
func processCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: utime and stime are the 12th and 13th of them.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// rss reads a process's resident set size from /proc.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
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
	binary, err := buildApp()
	if err != nil {
		t.Fatal(err)
	}
	var took []float64
	for range starts {
		dir := t.TempDir()
		cmd := exec.Command(binary)
		cmd.Dir = dir
		cmd.Env = []string{"HOME=" + dir, "PORT=" + freePort(t), "HOST=127.0.0.1", "CLIENT_ID=c", "CLIENT_SECRET=s",
			"SECRET=perf-session-key-0123456789abcdef0123456789", "INSECURE_DEV_PROVIDER=true"}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if strings.Contains(lines.Text(), `"msg":"listening"`) {
				took = append(took, float64(time.Since(start)))
				break
			}
		}
		cmd.Process.Signal(syscall.SIGTERM)
		io.Copy(io.Discard, stderr)
		cmd.Wait()
	}
	if len(took) != starts {
		t.Fatalf("the app listened in %d of %d starts", len(took), starts)
	}
	return took
}

func p50(r perfResult) float64 { return float64(r.P50) }
func p99(r perfResult) float64 { return float64(r.P99) }

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

func us(nanos float64) string { return fmt.Sprintf("%.1f µs", nanos/1e3) }

func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

// perfRedis starts a redis-server for the Redis side of the report and
// returns its URL, or "" when redis-server is not installed: the file
// store's figures are the report's first purpose.
func perfRedis(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Log("redis-server not installed: the report has no Redis rows (apt-get install redis-server)")
		return ""
	}
	return startRedisServer(t, false).URL()
}

// lastWarnings are the last few records of s's log above the info level.
func (s *perfSide) lastWarnings() string {
	if s.logFile == "" {
		return "(no log)"
	}
	b, _ := os.ReadFile(s.logFile)
	var warnings []string
	for line := range strings.Lines(string(b)) {
		if !strings.Contains(line, `"level":"INFO"`) {
			warnings = append(warnings, line)
		}
	}
	return strings.Join(warnings[max(0, len(warnings)-5):], "")
}
