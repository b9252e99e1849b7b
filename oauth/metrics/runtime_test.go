package metrics

import (
	"runtime"
	"testing"
)

// TestNewIsOnePage checks the page of a fresh Metrics: the runtime's
// numbers are there and plausible, and the whole page passes the strict
// reader and promtool.
func TestNewIsOnePage(t *testing.T) {
	m := New()
	runtime.GC() // at least one cycle and one pause to show
	families, page := scrape(t, m.Registry())
	if v, _ := families.Value("go_goroutines", nil); v < 1 {
		t.Errorf("go_goroutines = %v", v)
	}
	if v, _ := families.Value("go_gc_cycles_total", nil); v < 1 {
		t.Errorf("go_gc_cycles_total = %v after runtime.GC", v)
	}
	if v, _ := families.Value("go_memory_classes_total_bytes", nil); v < 1<<20 {
		t.Errorf("go_memory_classes_total_bytes = %v", v)
	}
	pauses, _ := families.Value("go_gc_pauses_seconds_count", nil)
	sum, _ := families.Value("go_gc_pauses_seconds_sum", nil)
	if pauses < 1 || sum <= 0 {
		t.Errorf("go_gc_pauses_seconds: count %v, sum %v after runtime.GC", pauses, sum)
	}
	for _, name := range []string{"oauthlogin_events_total", "oauthlogin_http_requests_total",
		"oauthlogin_provider_request_duration_seconds", "oauthlogin_session_store_duration_seconds",
		"oauthlogin_session_store_errors_total"} {
		if families[name] == nil {
			t.Errorf("no family %s", name)
		}
	}
	promtoolCheck(t, page)
}

func TestRuntimePausesRebucketed(t *testing.T) {
	bounds := []float64{1e-3, 1}
	// [0.5ms, 1ms) fits under le=0.001; [1ms, 2ms) only under le=1;
	// [0.5s, 2s) only under +Inf.
	for _, c := range []struct {
		lower, upper float64
		want         int
	}{{0.0005, 0.001, 0}, {0.001, 0.002, 1}, {0.5, 2, 2}} {
		if got := firstHolding(bounds, c.upper); got != c.want {
			t.Errorf("[%v, %v) went to bucket %d, want %d", c.lower, c.upper, got, c.want)
		}
	}
}
