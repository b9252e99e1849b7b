package metrics_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"oauthlogin/oauth/metrics"
)

func ExampleRegistry() {
	r := metrics.NewRegistry()
	logins := r.NewCounter("app_logins_total", "Logins, by provider.",
		metrics.Label{Name: "provider", Values: []string{"github", "gitlab"}})
	logins.Inc("github")
	logins.Inc("github")
	logins.Inc("a value nobody declared") // counted as "other"
	r.WriteText(os.Stdout)
	// Output:
	// # HELP app_logins_total Logins, by provider.
	// # TYPE app_logins_total counter
	// app_logins_total{provider="github"} 2
	// app_logins_total{provider="other"} 1
}

// The login's log says why each login failed; wrapping the log's handler
// counts the reasons.
func ExampleMetrics_LogHandler() {
	m := metrics.New()
	logger := slog.New(m.LogHandler(slog.NewJSONHandler(os.Stderr, nil)))
	logger.Warn("callback rejected", "event", "callback_rejected", "reason", "state_mismatch")

	var page bytes.Buffer
	m.Registry().WriteText(&page)
	for line := range strings.Lines(page.String()) {
		if strings.HasPrefix(line, "oauthlogin_events_total{") {
			fmt.Print(line)
		}
	}
	// Output:
	// oauthlogin_events_total{event="callback_rejected",reason="state_mismatch"} 1
}
