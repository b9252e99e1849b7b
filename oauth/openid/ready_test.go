package openid

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestProviderReadyOnceItHoldsTheKeys: a readiness check of the app asks
// Ready, which fails while the provider's keys cannot be fetched and
// answers once they are held.
func TestProviderReadyOnceItHoldsTheKeys(t *testing.T) {
	var keysDown atomic.Bool
	keysDown.Store(true)
	h := newHarness(t, harnessOptions{provider: func(w http.ResponseWriter, r *http.Request, as http.Handler) {
		if r.URL.Path == "/jwks" && keysDown.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		as.ServeHTTP(w, r)
	}})
	if got, want := h.provider.KeySetURL(), h.front.URL+"/jwks"; got != want {
		t.Errorf("KeySetURL() = %q, want %q", got, want)
	}
	ctx := context.Background()
	if err := h.provider.Ready(ctx); err == nil {
		t.Error("Ready while the keys cannot be fetched")
	}
	keysDown.Store(false)
	h.clock.Advance(time.Minute) // past the least time between two fetches
	if err := h.provider.Ready(ctx); err != nil {
		t.Errorf("Ready once the keys can be fetched: %v", err)
	}
}
