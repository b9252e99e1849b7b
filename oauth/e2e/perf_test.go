//go:build linux

package e2e

// TestPerformanceReport measures what oauth/e2e/README.md's performance
// table reports, the way a user would measure the app: the built binary
// with its default settings, driven over TCP by a separate process, next
// to a bare net/http server that renders the same page, in the same run.
// It is skipped unless asked for, and takes about five minutes:
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
	"net/http"
	"net/http/cookiejar"
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

// The shape of the load, as issue 12 describes it.
const (
	pageWorkers  = 32 // keep-alive connections, one logged-in visitor each
	pageRound    = 2 * time.Second
	pageRounds   = 8 // rounds of each side
	loginWorkers = 8 // visitors logging in at once
	loginRound   = 3 * time.Second
	loginRounds  = 5
	rssEarly     = 100_000   // page views before the first memory reading
	rssLate      = 1_000_000 // page views before the second
	starts       = 9         // starts of the binary timed
)

// perfSide is one server under load: the app with some settings, or the
// bare baseline.
type perfSide struct {
	name    string
	url     string
	cmd     *exec.Cmd
	cookies []string // one logged-in visitor per page worker
	logFile string   // where the app writes its log; "" for the bare server
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
	app := startPerfApp(t, "this app, defaults", nil)
	quiet := startPerfApp(t, "this app, LOG_LEVEL=warn", map[string]string{"LOG_LEVEL": "warn"})
	sides := []*perfSide{bare, app, quiet}
	// Issue 22: kept tokens, and the home page asking the provider's user
	// endpoint with them at every view.
	sides = append(sides, startPerfApp(t, "this app, KEEP_TOKENS=true", map[string]string{"KEEP_TOKENS": "true"}))
	if redisURL := perfRedis(t); redisURL != "" {
		sides = append(sides, startPerfApp(t, "this app, SESSION_STORE=redis", map[string]string{
			"SESSION_STORE": "redis", "REDIS_URL": redisURL,
		}))
	}
	for _, s := range sides[1:] {
		s.cookies = s.logins(t, pageWorkers)
	}
	bare.cookies = app.cookies // ignored by the bare page, sent all the same

	// 1. Page views: every side in every round, in a rotating order.
	pages := map[*perfSide][]perfResult{}
	cpu := map[*perfSide][]float64{}
	ratios := map[*perfSide][]float64{}
	for _, s := range sides { // warm up
		drive(t, perfJob{Mode: "pages", URL: s.url + "/", Cookies: s.cookies, Workers: pageWorkers, Duration: time.Second}, s)
	}
	for round := range pageRounds {
		got := map[*perfSide]perfResult{}
		for i := range sides {
			s := sides[(round+i)%len(sides)]
			before := processCPU(t, s.cmd.Process.Pid)
			r := drive(t, perfJob{Mode: "pages", URL: s.url + "/", Cookies: s.cookies, Workers: pageWorkers, Duration: pageRound}, s)
			got[s] = r
			pages[s] = append(pages[s], r)
			cpu[s] = append(cpu[s], float64(processCPU(t, s.cmd.Process.Pid)-before)/float64(r.Requests))
		}
		for _, s := range sides[1:] {
			ratios[s] = append(ratios[s], got[s].perSecond()/got[bare].perSecond())
		}
	}
	row("Page views, bare net/http", perSecond(median(pages[bare], perfResult.perSecond)),
		fmt.Sprintf("p99 %s; server CPU %s per page view", ms(median(pages[bare], p99)), us(medianOf(cpu[bare]))))
	for _, s := range sides[1:] {
		row("Page views, "+s.name, perSecond(median(pages[s], perfResult.perSecond)),
			fmt.Sprintf("×%.2f of bare (rounds %.2f–%.2f); p99 %s; server CPU %s per page view",
				medianOf(ratios[s]), slices.Min(ratios[s]), slices.Max(ratios[s]),
				ms(median(pages[s], p99)), us(medianOf(cpu[s]))))
	}

	// 2. Logins, the app's sides in turn, each visitor from an address of
	// its own behind a trusted proxy.
	logins := map[*perfSide][]perfResult{}
	address := 0
	for round := range loginRounds {
		for i := range sides[1:] {
			s := sides[1+(round+i)%(len(sides)-1)]
			r := drive(t, perfJob{Mode: "logins", URL: s.url, Workers: loginWorkers, Duration: loginRound, FirstAddress: address}, s)
			address += r.Requests + r.Errors + loginWorkers
			logins[s] = append(logins[s], r)
		}
	}
	for _, s := range sides[1:] {
		rates := make([]float64, len(logins[s]))
		for i, r := range logins[s] {
			rates[i] = r.perSecond()
		}
		row("Logins, "+s.name, perSecond(medianOf(rates)),
			fmt.Sprintf("rounds %s–%s; p50 %s, p99 %s", perSecond(slices.Min(rates)), perSecond(slices.Max(rates)),
				ms(median(logins[s], p50)), ms(median(logins[s], p99))))
	}

	// 3. What reaches the disk, counted by strace: the app's system calls
	// during a round of logins and a round of page views.
	if _, err := exec.LookPath("strace"); err != nil {
		row("System calls per login and per page view", "not measured", "strace is not installed (apt-get install strace)")
	} else {
		calls, r := traceRound(t, app, perfJob{Mode: "logins", URL: app.url, Workers: loginWorkers, Duration: loginRound, FirstAddress: address})
		row("Per login, with the file store", fmt.Sprintf("%.2f fsync", per(calls, r, "fsync", "fdatasync")),
			fmt.Sprintf("%.2f files written (rename), %.2f removed (unlink), %.2f opened; %d logins under strace",
				per(calls, r, "rename", "renameat", "renameat2"), per(calls, r, "unlink", "unlinkat"), per(calls, r, "openat"), r.Requests))
		calls, r = traceRound(t, app, perfJob{Mode: "pages", URL: app.url + "/", Cookies: app.cookies, Workers: pageWorkers, Duration: pageRound})
		row("Per page view, with the file store", fmt.Sprintf("%.2f files opened", per(calls, r, "openat")),
			fmt.Sprintf("%.2f written, %.2f removed, %.2f fsync; %d page views under strace",
				per(calls, r, "rename", "renameat", "renameat2"), per(calls, r, "unlink", "unlinkat"), per(calls, r, "fsync", "fdatasync"), r.Requests))
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
	fmt.Fprintf(&out, "Page views: %d keep-alive connections, one logged-in visitor each; %d rounds of %v per side, in rotating order.\n", pageWorkers, pageRounds, pageRound)
	fmt.Fprintf(&out, "Logins: %d visitors at once, each login a new cookie jar and address: GET / → provider → callback → token → user → home;\n", loginWorkers)
	fmt.Fprintf(&out, "  an oauthtest provider that approves at once; %d rounds of %v per side. The app logs to a file, as under a service manager.\n", loginRounds, loginRound)
	fmt.Print(out.String())
}

// startPerfApp starts the built binary with its default settings, and only
// what a deployment must say: its address, its client, the stand-in
// provider, and a proxy it trusts (the driver sends every login from an
// address of its own). Sessions go to the default directory under HOME,
// and the logs to a file. extra adds to or overrides the environment.
func startPerfApp(t *testing.T, name string, extra map[string]string) *perfSide {
	t.Helper()
	binary, err := buildApp()
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	dir := t.TempDir()
	url := "http://127.0.0.1:" + port
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "perf-client", ClientSecret: "perf-secret", RedirectURL: url + "/oauth/callback", AutoApprove: "ada",
	})
	t.Cleanup(provider.Close)
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
		"REDIRECT_URL":    url + "/oauth/callback",
		"SECRET":          "perf-session-key-0123456789abcdef0123456789",
		"TRUSTED_PROXIES": "127.0.0.1",
	}
	for k, v := range extra {
		env[k] = v
	}
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
	s := &perfSide{name: name, url: url, cmd: cmd, logFile: filepath.Join(dir, "app.log")}
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
	s := &perfSide{name: "bare net/http", url: "http://127.0.0.1:" + port, cmd: cmd}
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

// logins logs n visitors in and returns their cookies, ready for a Cookie
// header.
func (s *perfSide) logins(t *testing.T, n int) []string {
	t.Helper()
	cookies := make([]string, n)
	for i := range cookies {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		req, _ := http.NewRequest(http.MethodGet, s.url+"/", nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		for _, c := range jar.Cookies(resp.Request.URL) {
			if c.Name == sessionCookie {
				cookies[i] = c.Name + "=" + c.Value
			}
		}
		if resp.StatusCode != http.StatusOK || cookies[i] == "" {
			t.Fatalf("%s: login %d ended at %s with HTTP %d and no session cookie", s.name, i, resp.Request.URL, resp.StatusCode)
		}
	}
	return cookies
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
		"-e", "trace=fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat,openat")
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
