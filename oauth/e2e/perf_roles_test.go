package e2e

// The performance report (perf_test.go) measures the app as users run it:
// the built binary, driven over TCP from another process. That other
// process is this test binary again, started with E2E_PERF_ROLE set: TestMain
// then plays the role and exits instead of running tests. The roles are
//
//   - "driver": the load generator. It reads a perfJob from E2E_PERF_JOB,
//     runs it, and prints a perfResult as JSON on standard output.
//   - "bare": the baseline, a bare net/http server that renders the same
//     home page for a fixed user, with no session, no login and no logs,
//     on the address in E2E_PERF_ADDR.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"oauthlogin/templates"
)

const (
	perfRoleEnv = "E2E_PERF_ROLE"
	perfJobEnv  = "E2E_PERF_JOB"
	perfAddrEnv = "E2E_PERF_ADDR"
)

// perfJob is one round of load for the driver.
type perfJob struct {
	// Mode is "pages": GET URL again and again, each worker on its own
	// keep-alive connection with its own cookie; or "logins": each worker
	// logs a new visitor in through URL's provider, again and again,
	// each as a person of their own.
	Mode     string
	URL      string
	Cookies  []string // "name=value", one per worker, for pages
	Workers  int
	Duration time.Duration
	Requests int // for pages: stop after this many in all, when set

	// FirstAddress numbers the X-Forwarded-For address of each login,
	// so that every visitor seems to come from an address of its own, as
	// behind a proxy the app trusts. Rounds use different ranges.
	FirstAddress int
}

// perfResult is what one round did.
type perfResult struct {
	Requests int // page views, or whole logins
	Elapsed  time.Duration
	P50, P99 time.Duration
	Errors   int
	Error    string // the first error, if any
}

func (r perfResult) perSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// runPerfRole plays role and returns the process's exit code.
func runPerfRole(role string) int {
	var err error
	switch role {
	case "driver":
		err = runDriver()
	case "bare":
		err = serveBare(os.Getenv(perfAddrEnv))
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf", role+":", err)
		return 1
	}
	return 0
}

func runDriver() error {
	var job perfJob
	if err := json.Unmarshal([]byte(os.Getenv(perfJobEnv)), &job); err != nil {
		return fmt.Errorf("%s: %w", perfJobEnv, err)
	}
	var one func(worker, n int, client *http.Client) error
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * job.Workers, DisableCompression: true}
	switch job.Mode {
	case "pages":
		one = func(worker, _ int, client *http.Client) error {
			return pageView(client, job.URL, job.Cookies[worker%len(job.Cookies)])
		}
	case "logins":
		one = func(worker, n int, _ *http.Client) error {
			address := job.FirstAddress + n*job.Workers + worker
			return signInAs(loginClient(transport), job.URL, fmt.Sprintf("10.%d.%d.%d", address>>16&255, address>>8&255, address&255),
				fmt.Sprintf("visitor%d", address))
		}
	default:
		return fmt.Errorf("unknown mode %q", job.Mode)
	}

	client := &http.Client{Transport: transport}
	var (
		mu      sync.Mutex
		took    []time.Duration
		errs    int
		firstEr string
		wg      sync.WaitGroup
		left    = job.Requests
	)
	start := time.Now()
	deadline := start.Add(job.Duration)
	for w := range job.Workers {
		wg.Go(func() {
			var mine []time.Duration
			for n := 0; ; n++ {
				if job.Requests > 0 {
					mu.Lock()
					left--
					done := left < 0
					mu.Unlock()
					if done {
						break
					}
				}
				t0 := time.Now()
				if job.Requests == 0 && !t0.Before(deadline) {
					break
				}
				if err := one(w, n, client); err != nil {
					mu.Lock()
					if errs++; firstEr == "" {
						firstEr = err.Error()
					}
					mu.Unlock()
					continue
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
	return json.NewEncoder(os.Stdout).Encode(perfResult{
		Requests: len(took), Elapsed: elapsed,
		P50: percentile(took, 50), P99: percentile(took, 99),
		Errors: errs, Error: firstEr,
	})
}

// pageView loads the home page as a logged-in visitor.
func pageView(client *http.Client, url, cookie string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Cookie", cookie)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return err
}

// loginClient is a browser of a new visitor for signInAs: a cookie jar of
// its own, and redirects followed except to the provider's sign-in.
func loginClient(transport http.RoundTripper) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: transport, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/authorize") {
			return http.ErrUseLastResponse // signInAs signs in there
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}}
}

// signInAs logs a visitor in as user through client (a loginClient), from
// the given address: the home page, which sends them to the provider;
// the provider's sign-in form, sent at once with the request's parameters
// and the user name; the callback; and the home page again. The driver
// logs each visitor in as a person of their own, as a crowd is: the app
// bounds the sessions of one person (session.MaxIndexed with OpenID
// Connect), so a crowd of logins of one person would end each other's
// sessions.
func signInAs(client *http.Client, appURL, address, user string) error {
	req, err := http.NewRequest(http.MethodGet, appURL+"/", nil)
	if err != nil {
		return err
	}
	// Copied to every redirect: the providers and the pairing ignore it.
	req.Header.Set("X-Forwarded-For", address)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	signIn, err := resp.Location()
	if err != nil || resp.StatusCode != http.StatusFound {
		return fmt.Errorf("GET %s/: HTTP %d to %q, want 302 to the provider", appURL, resp.StatusCode, resp.Header.Get("Location"))
	}
	form := signIn.Query()
	form.Set("action", "approve")
	form.Set("username", user)
	signIn.RawQuery = ""
	req, err = http.NewRequest(http.MethodPost, signIn.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", address)
	resp, err = client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Hello, "+user+"<") {
		return fmt.Errorf("login as %s ended at %s with HTTP %d", user, resp.Request.URL, resp.StatusCode)
	}
	return nil
}

// serveBare serves the bare page on addr until the process is stopped.
func serveBare(addr string) error {
	pages, err := templates.Parse()
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		pages.RenderHome(w, templates.Home{Username: "ada", Name: "Ada (dev)", Email: "ada@example.test"})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	// The timeouts main.go's newServer sets, so that only the handler
	// differs.
	server := &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	return server.ListenAndServe()
}

// percentile is the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}
