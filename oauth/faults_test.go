package oauth

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestProviderFaults puts the callback through the provider failures the
// reliability issue names that the other tests do not: a provider that is
// down, one that drips its answer a byte at a time (a slow-loris body),
// and one whose JSON stops halfway. Each must end in a clear page with the
// right status, one log record, an anonymous visitor and no panic.
func TestProviderFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		provider  func(w http.ResponseWriter, r *http.Request, as http.Handler)
		tokenURL  func(h *harness) string // replaces the token endpoint
		status    int
		wantTitle string
		wantEvent string
	}{
		{
			name:      "provider down: connection refused",
			tokenURL:  func(*harness) string { return "https://" + closedAddress(t) + "/token" },
			status:    http.StatusBadGateway,
			wantTitle: "could not be reached",
			wantEvent: "token_exchange_failed",
		},
		{
			name: "#22b slow-loris body: headers, then a byte at a time, never finishing",
			provider: answerAt("/token", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusOK)
				rc := http.NewResponseController(w)
				ticker := time.NewTicker(20 * time.Millisecond)
				defer ticker.Stop()
				for {
					select {
					case <-r.Context().Done():
						return
					case <-ticker.C:
						// Once the app has given up, writing fails: stop.
						if _, err := w.Write([]byte(" ")); err != nil {
							return
						}
						if rc.Flush() != nil {
							return
						}
					}
				}
			}),
			status:    http.StatusGatewayTimeout,
			wantTitle: "did not answer",
			wantEvent: "token_exchange_failed",
		},
		{
			name: "truncated JSON token response",
			provider: answerAt("/token", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"access_token":"tok-CANARY-truncated","token_type":"Bea`))
			}),
			status:    http.StatusBadGateway,
			wantTitle: "unexpected answer",
			wantEvent: "token_exchange_failed",
		},
		{
			name: "truncated JSON profile",
			provider: answerAt("/user", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"id":1,"login":"ad`))
			}),
			status:    http.StatusBadGateway,
			wantTitle: "unexpected answer",
			wantEvent: "user_fetch_failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h *harness
			h = newHarness(t, harnessOptions{
				provider: tt.provider,
				configure: func(c *Config) {
					c.Timeout = 300 * time.Millisecond
					if tt.tokenURL != nil {
						c.TokenURL = tt.tokenURL(h)
					}
				},
			})
			b := h.newBrowser()
			authURL, _ := b.startLogin(t, "/private")
			callback, _ := h.approve(t, authURL)
			from := h.logs.Len()
			resp := b.get(callback)
			if resp.Status != tt.status || !strings.Contains(resp.Body, tt.wantTitle) {
				t.Errorf("callback: %v, want %d with %q", resp, tt.status, tt.wantTitle)
			}
			events := h.eventsSince(t, from)
			if len(events) != 1 || events[0].str("event") != tt.wantEvent {
				t.Errorf("log events %+v, want one %s", events, tt.wantEvent)
			}
			h.assertAnonymous(t, b.cookie)
		})
	}
}

// closedAddress returns a loopback address where nothing listens.
func closedAddress(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
