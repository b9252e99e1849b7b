package tokens

import (
	"strings"
	"testing"
	"time"
)

// TestLogoutRevokesTheNewestTokensOnce: logout revokes the session's newest
// refresh token with one call, in the background, after the session is
// gone; a revocation that fails is logged, and the person is logged out
// all the same.
func TestLogoutRevokesTheNewestTokensOnce(t *testing.T) {
	for _, fails := range []bool{false, true} {
		p := newStubProvider(t, 60)
		p.set(func(p *stubProvider) { p.revokeErr = fails })
		clock := newTestClock()
		inst := newInstance(t, p, instanceOptions{clock: clock})
		b := newBrowser(t)
		b.logIn(inst)
		clock.Advance(61 * time.Second)
		b.page(inst.URL + "/") // a refresh: the newest refresh token is not the login's
		p.mu.Lock()
		var newest string
		for rt := range p.grants {
			newest = rt
		}
		p.mu.Unlock()

		b.logOut(inst)
		select {
		case <-p.revokedCh:
		case <-time.After(10 * time.Second):
			t.Fatal("no revocation after logout")
		}
		inst.keeper.Wait()
		p.mu.Lock()
		revoked := p.revoked
		p.mu.Unlock()
		if len(revoked) != 1 || revoked[0].Get("token") != newest || revoked[0].Get("token_type_hint") != "refresh_token" {
			t.Errorf("revocations %v, want one of the newest refresh token", revoked)
		}
		event := `"event":"tokens_revoked"`
		if fails {
			event = `"event":"token_revocation_failed"`
		}
		if !strings.Contains(inst.logs.String(), event) {
			t.Errorf("revocation failing %v: no %s in the log", fails, event)
		}
		b.page(inst.URL + "/")
		p.mu.Lock()
		logins := p.logins
		p.mu.Unlock()
		if logins != 2 {
			t.Errorf("revocation failing %v: after logout the home page made %d logins in all, want a second one", fails, logins)
		}
	}
}
