package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// PORT alone moves the whole local setup: with the shipped env/local/.env,
// the app, its development provider and the redirect URL all follow it,
// and a login goes through on that port.
func TestLocalSetupFollowsPort(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{LocalSettings: true})
	var listening struct{ Addr, Open string }
	for _, line := range a.Logs() {
		if strings.Contains(line, `"msg":"listening"`) {
			json.Unmarshal([]byte(line), &listening)
		}
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(a.URL, "http://"))
	if listening.Addr != "127.0.0.1:"+port || listening.Open != "http://localhost:"+port+"/" {
		t.Fatalf("the app listens on %q and invites to %q; want 127.0.0.1:%s (localhost) and http://localhost:%s/",
			listening.Addr, listening.Open, port, port)
	}
	ada := newPerson("ada", nil)
	if err := ada.logIn(a.URL, a.ProviderURL); err != nil {
		t.Fatal(err)
	}
}

// The development provider lets anyone log in as anyone: the app refuses
// to start it on an address that other machines can reach, whatever the
// redirect URL says.
func TestDevProviderRefusesNonLoopbackListen(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]map[string]string{
		"ADDR=0.0.0.0:PORT": {"ADDR": "0.0.0.0:%s"},
		"ADDR=:PORT":        {"ADDR": ":%s"},
		"PORT alone":        {"ADDR": "", "PORT": "%s"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			env := validStartEnv(t, port)
			for k, v := range change {
				env[k] = strings.ReplaceAll(v, "%s", port)
			}
			code, out := runFailingStart(t, env)
			if code != 1 || !strings.Contains(out, "INSECURE_DEV_PROVIDER: may be true only when the app listens on a loopback address") {
				t.Errorf("exit %d; want 1 with the reason; output:\n%s", code, out)
			}
		})
	}
}

// Logs are JSON for a collector, text for a person when asked (and when
// standard error is a terminal); the settings record is short.
func TestLogFormat(t *testing.T) {
	t.Parallel()
	jsonApp := startApp(t, appOptions{Env: map[string]string{"LOG_LEVEL": "info"}})
	textApp := startApp(t, appOptions{Env: map[string]string{"LOG_LEVEL": "info", "LOG_FORMAT": "text"}})
	// The records of a request: the text handler writes them as they come.
	if _, err := newPerson("ada", nil).get(textApp.URL + "/healthz"); err != nil {
		t.Fatal(err)
	}
	for _, line := range jsonApp.Logs() {
		if !json.Valid([]byte(line)) {
			t.Errorf("with stderr a pipe, a log line is not JSON: %s", line)
		}
		if strings.Contains(line, "settings loaded") && len(line) > 400 {
			t.Errorf("the settings record is %d characters; a person reads it first:\n%s", len(line), line)
		}
	}
	var sawSettings bool
	for _, line := range textApp.Logs() {
		if json.Valid([]byte(line)) || !strings.Contains(line, "level=") {
			t.Errorf("with LOG_FORMAT=text, a log line is not slog text: %s", line)
		}
		sawSettings = sawSettings || strings.Contains(line, `msg="settings loaded"`)
	}
	if !sawSettings {
		t.Errorf("no settings record in the text log:\n%s", strings.Join(textApp.Logs(), "\n"))
	}
}

// A school, an office or a mobile network shares one address among many
// people: with the default settings, 60 of them log in within a minute.
func TestSixtyLoginsFromOneAddress(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{}) // the default LOGIN_RATE_LIMIT
	for i := range 60 {
		if err := newPerson(fmt.Sprintf("person%d", i), nil).logIn(a.URL, a.ProviderURL); err != nil {
			t.Fatalf("login %d of 60 from one address: %v", i+1, err)
		}
	}
}

// Anonymous visits cannot fill the disk, even from many addresses: with
// the default settings, 12,000 new visitors from 60 addresses leave at
// most 10,000 session files; and with the per-address limit off, the
// global bound alone holds, and the visitors past it get 503.
func TestFloodFromManyAddressesIsBounded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		env         map[string]string
		visits, max int
	}{
		{"defaults", nil, 12_000, 10_000},
		{"global bound alone", map[string]string{"LOGIN_RATE_LIMIT": "0", "MAX_PENDING_SESSIONS": "500"}, 800, 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"TRUSTED_PROXIES": "127.0.0.1", "LOG_LEVEL": "info"}
			for k, v := range tt.env {
				env[k] = v
			}
			a := startApp(t, appOptions{Env: env})
			statuses := flood(t, a.URL, tt.visits, 60)
			files := countEntries(t, a.SessionDir)
			t.Logf("%d visits: %v; %d session files", tt.visits, statuses, files)
			if files > tt.max {
				t.Errorf("%d session files after %d anonymous visits; the bound is %d", files, tt.visits, tt.max)
			}
			if statuses[http.StatusFound] != files {
				t.Errorf("%d logins started but %d session files", statuses[http.StatusFound], files)
			}
			for status := range statuses {
				if status != http.StatusFound && status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
					t.Errorf("status %d among the answers %v", status, statuses)
				}
			}
		})
	}
}

// flood sends visits anonymous page visits to appURL, as new visitors from
// addresses different addresses behind a trusted proxy, eight at a time,
// and counts the answers by status.
func flood(t *testing.T, appURL string, visits, addresses int) map[int]int {
	t.Helper()
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		wg       sync.WaitGroup
		next     = make(chan int)
	)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for range 8 {
		wg.Go(func() {
			for i := range next {
				req, _ := http.NewRequest(http.MethodGet, appURL+"/", nil)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", 1+i%addresses))
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					continue
				}
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	for i := range visits {
		next <- i
	}
	close(next)
	wg.Wait()
	return statuses
}
