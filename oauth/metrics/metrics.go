package metrics

import (
	"log/slog"
	"net/http"
	"time"
)

// Metrics are the login's metrics, in a [Registry] of their own:
//
//   - oauthlogin_events_total{event, reason}: log records with an event
//     ([Metrics.LogHandler]);
//   - oauthlogin_http_requests_total{code}: answered requests by status
//     class ([Metrics.CountRequest]);
//   - oauthlogin_provider_request_duration_seconds{endpoint, code}: calls
//     to the provider ([Metrics.ProviderTransport]);
//   - oauthlogin_session_store_duration_seconds{op} and
//     oauthlogin_session_store_errors_total{op}: operations of the session
//     store; the histogram's _count counts them ([Metrics.ObserveStore]);
//   - go_*: the Go runtime.
//
// A program adds its own to [Metrics.Registry], such as a gauge of the
// logins in progress.
type Metrics struct {
	registry    *Registry
	events      *Counter
	requests    *Counter
	provider    *Histogram
	store       *Histogram
	storeErrors *Counter
}

// The operations of a session store, the values of the op label: what
// session.Options.Observe reports.
func storeOps() []string { return []string{"load", "save", "delete", "change"} }

// New returns the login's metrics, with the Go runtime's, in a new
// Registry.
func New() *Metrics {
	r := NewRegistry()
	code := Label{Name: "code", Values: statusClasses()}
	// Buckets for durations, in seconds. A provider answers in tens to
	// hundreds of milliseconds and may take the whole OAUTH_TIMEOUT; a
	// session store in well under a millisecond, or up to REDIS_TIMEOUT.
	providerBounds := []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
	storeBounds := []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5}
	op := Label{Name: "op", Values: storeOps()}
	m := &Metrics{
		registry: r,
		events: r.NewCounter("oauthlogin_events_total",
			"Log records with an event, by event and reason: logins started, succeeded, refused and failed, "+
				"logouts, limits reached, session store errors.",
			Label{Name: "event", Values: loginEvents()}, Label{Name: "reason", Values: loginReasons()}),
		requests: r.NewCounter("oauthlogin_http_requests_total",
			"Requests answered on the main listener, by status class.", code),
		provider: r.NewHistogram("oauthlogin_provider_request_duration_seconds",
			"Calls to the OAuth provider, from the request to the response's headers, by endpoint and "+
				"status class (error: no response).",
			providerBounds,
			Label{Name: "endpoint", Values: []string{EndpointDiscovery, EndpointToken, EndpointUser,
				EndpointUserinfo, EndpointEmails, EndpointJWKS}},
			Label{Name: "code", Values: append(statusClasses(), "error")}),
		store: r.NewHistogram("oauthlogin_session_store_duration_seconds",
			"Operations of the session store, by operation; _count counts them.", storeBounds, op),
		storeErrors: r.NewCounter("oauthlogin_session_store_errors_total",
			"Operations of the session store that failed, by operation.", op),
	}
	addRuntime(r)
	return m
}

// Registry is the registry that holds the metrics, for a program to add
// its own.
func (m *Metrics) Registry() *Registry { return m.registry }

// Handler serves the metrics to Prometheus.
func (m *Metrics) Handler() http.Handler { return m.registry.Handler() }

// LogHandler wraps next, the log's handler, so that every record with an
// event attribute is counted in oauthlogin_events_total, with its reason
// attribute if it has one, and then goes on to next if next takes its
// level. An event or reason this package does not know is counted as
// [Other]: the log may gain values before this list does, and a value
// that came from outside must never become a series of its own.
func (m *Metrics) LogHandler(next slog.Handler) slog.Handler {
	return &logCounter{next: next, events: m.events}
}

// CountRequest counts one answered request with status.
func (m *Metrics) CountRequest(status int) {
	m.requests.Inc(statusClass(status))
}

// ProviderTransport returns a RoundTripper that times every call to the
// provider made through base. Give it to the provider's http.Client, and
// name the provider's endpoints with [ProviderTransport.Name].
func (m *Metrics) ProviderTransport(base http.RoundTripper) *ProviderTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &ProviderTransport{base: base, duration: m.provider, kinds: make(map[string]string)}
}

// ObserveStore records one operation of the session store: op is "load",
// "save", "delete" or "change", d its duration, err its outcome. It has
// the type of session.Options.Observe.
func (m *Metrics) ObserveStore(op string, d time.Duration, err error) {
	m.store.Observe(d.Seconds(), op)
	if err != nil {
		m.storeErrors.Inc(op)
	}
}
