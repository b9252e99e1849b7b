package metrics

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The kinds of the provider's endpoints: the values of the endpoint label
// of oauthlogin_provider_request_duration_seconds. A call to a URL not
// named with [ProviderTransport.Name] is counted as [Other].
const (
	EndpointDiscovery = "discovery" // the OpenID Connect discovery document
	EndpointToken     = "token"
	EndpointUser      = "user"     // a plain OAuth2 provider's user endpoint
	EndpointUserinfo  = "userinfo" // OpenID Connect's userinfo endpoint
	EndpointEmails    = "emails"   // GitHub's list of e-mail addresses
	EndpointJWKS      = "jwks"     // the provider's signing keys
)

// ProviderTransport is an http.RoundTripper that times each call to the
// provider, from the request to the response's headers, by the kind of
// endpoint it went to and the status class of the answer ("error" when
// there was none). The kind comes from the configured URLs, never from
// the request itself, so no URL a visitor can influence becomes a label.
// Make one with [Metrics.ProviderTransport].
type ProviderTransport struct {
	base     http.RoundTripper
	duration *Histogram

	mu    sync.RWMutex
	kinds map[string]string // endpoint (see endpointKey) → kind
}

// Name says that calls to endpoint are of kind, one of the Endpoint
// constants. Its query, if any, is ignored. Name may be called while
// calls go on: with OpenID Connect, the endpoints are known only after
// discovery, which is itself a call.
func (t *ProviderTransport) Name(kind, endpoint string) {
	u, err := url.Parse(endpoint)
	if err != nil || endpoint == "" {
		return // such a URL is never called
	}
	t.mu.Lock()
	t.kinds[endpointKey(u)] = kind
	t.mu.Unlock()
}

// endpointKey is what a call is matched by: scheme, host and path.
func endpointKey(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.EscapedPath()
}

// RoundTrip implements http.RoundTripper.
func (t *ProviderTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.RLock()
	kind, ok := t.kinds[endpointKey(r.URL)]
	t.mu.RUnlock()
	if !ok {
		kind = Other
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	class := "error"
	if err == nil {
		class = statusClass(resp.StatusCode)
	}
	t.duration.Observe(time.Since(start).Seconds(), kind, class)
	return resp, err
}

// statusClasses are the values of a status class label.
func statusClasses() []string { return []string{"1xx", "2xx", "3xx", "4xx", "5xx"} }

// statusClass is "2xx" for 200 to 299, and so on; Other for a status
// outside 100 to 599.
func statusClass(status int) string {
	switch status / 100 {
	case 1:
		return "1xx"
	case 2:
		return "2xx"
	case 3:
		return "3xx"
	case 4:
		return "4xx"
	case 5:
		return "5xx"
	}
	return Other
}
