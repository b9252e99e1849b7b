package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestIssue24_KillUnderLoginLoadKeepsEveryRedirectedLogin kills the app
// with SIGKILL while visitors are logging in at once, with the default
// SESSION_MAX_UNFLUSHED, so that saves not yet flushed to the disk are
// under way, and restarts it on the same directory: every visitor whose
// callback answered with its redirect home is still logged in. The file
// store's saves wait for the kernel, not for the disk (session/flush.go),
// and the kernel outlives the process; what a power cut would cost, this
// cannot show.
func TestIssue24_KillUnderLoginLoadKeepsEveryRedirectedLogin(t *testing.T) {
	const (
		workers          = 8   // visitors logging in at once
		loginsBeforeKill = 120 // redirected logins, then SIGKILL
		maxLogins        = 200 // per worker: a bound in case the kill never comes
	)
	port := freePort(t)
	provider := startProvider(t, "http://localhost:"+port+"/oauth/callback", nil)
	opts := procOptions{
		Port:       port,
		SessionDir: filepath.Join(t.TempDir(), "sessions"),
		Provider:   provider,
		Env:        map[string]string{"LOGIN_RATE_LIMIT": "0"},
	}
	first := startProc(t, opts)
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * workers}
	t.Cleanup(transport.CloseIdleConnections)

	var (
		mu         sync.Mutex
		redirected []*person // whose callback answered 303
		killed     atomic.Bool
		killOnce   sync.Once
		wg         sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := range maxLogins {
				p := newPerson(fmt.Sprintf("w%dv%03d", w, i), transport)
				authorizeURL, err := p.startLogin(first.URL, provider)
				var callbackURL string
				if err == nil {
					callbackURL, err = p.approve(authorizeURL)
				}
				if err == nil {
					err = p.finishLogin(callbackURL)
				}
				if err != nil {
					if !killed.Load() {
						t.Errorf("before the kill: %v", err)
					}
					return
				}
				mu.Lock()
				redirected = append(redirected, p)
				n := len(redirected)
				mu.Unlock()
				if n == loginsBeforeKill {
					killOnce.Do(func() {
						killed.Store(true)
						first.cmd.Process.Signal(syscall.SIGKILL)
					})
				}
			}
		})
	}
	wg.Wait()
	if !killed.Load() {
		t.Fatalf("only %d logins were redirected; the app was never killed", len(redirected))
	}
	first.wait(t)
	t.Logf("SIGKILL after %d redirected logins", len(redirected))

	second := startProc(t, opts)
	lost := 0
	for _, p := range redirected {
		if err := p.expectHome(second.URL); err != nil {
			lost++
			t.Errorf("after the restart: %v", err)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d redirected logins were lost by a process crash", lost, len(redirected))
	}
}
