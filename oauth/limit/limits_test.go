package limit

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"oauthlogin/oauth"
)

func TestLimitsWithoutBoundsAllowEverything(t *testing.T) {
	l := &Limits{}
	for range 1000 {
		for _, step := range []string{"login_start", "callback"} {
			if f := l.Allow(httptest.NewRequest(http.MethodGet, "/", nil), step); f != nil {
				t.Fatalf("%s refused without bounds: %+v", step, *f)
			}
		}
		l.Done(time.Now())
	}
}

// Only a login start, which may write a record, counts toward the global
// bound; and a client over its own rate limit does not use the global
// bound up.
func TestLimitsAskTheGlobalBoundLast(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &Limits{Rate: &RateLimit{PerMinute: 1, Burst: 1}, Pending: &PendingLimit{Max: 2, Window: time.Hour},
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}
	from := func(addr string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = addr + ":1234"
		return r
	}
	status := func(f *oauth.Failure) int {
		if f == nil {
			return http.StatusFound
		}
		return f.Status
	}
	for i, tt := range []struct {
		addr, step string
		want       int
	}{
		{"192.0.2.1", "callback", http.StatusFound},
		{"192.0.2.2", "login_start", http.StatusFound},
		{"192.0.2.2", "login_start", http.StatusTooManyRequests},
		{"192.0.2.3", "login_start", http.StatusFound},
		{"192.0.2.4", "login_start", http.StatusServiceUnavailable},
	} {
		if got := status(l.Allow(from(tt.addr), tt.step)); got != tt.want {
			t.Errorf("request %d, %s from %s: %d, want %d", i+1, tt.step, tt.addr, got, tt.want)
		}
	}
}
