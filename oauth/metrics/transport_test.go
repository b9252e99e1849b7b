package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestProviderTransportLabelsByConfiguredEndpoint(t *testing.T) {
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer provider.Close()
	m := New()
	transport := m.ProviderTransport(provider.Client().Transport)
	transport.Name(EndpointToken, provider.URL+"/token?ignored=1")
	transport.Name(EndpointUser, provider.URL+"/user")
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}

	for _, target := range []string{
		"/token", "/token?code=1", "/user", "/user", "/user?visitor=ada",
		"/somewhere/else", "/user/../token/x",
	} {
		resp, err := client.Get(provider.URL + target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	families, page := scrape(t, m.Registry())
	for _, c := range []struct {
		endpoint, code string
		want           float64
	}{{EndpointToken, "4xx", 2}, {EndpointUser, "2xx", 3}, {Other, "2xx", 2}} {
		got, _ := families.Value("oauthlogin_provider_request_duration_seconds_count",
			map[string]string{"endpoint": c.endpoint, "code": c.code})
		if got != c.want {
			t.Errorf("endpoint=%s code=%s counted %v, want %v\n%s", c.endpoint, c.code, got, c.want, page)
		}
	}
	promtoolCheck(t, page)
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

func TestProviderTransportCountsCallsWithoutAnswer(t *testing.T) {
	m := New()
	transport := m.ProviderTransport(failingTransport{})
	transport.Name(EndpointJWKS, "https://provider.example/keys")
	req, err := http.NewRequest(http.MethodGet, "https://PROVIDER.example/keys", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := transport.RoundTrip(req); err == nil {
		t.Fatal("the error was lost")
	}
	families, _ := scrape(t, m.Registry())
	got, _ := families.Value("oauthlogin_provider_request_duration_seconds_count",
		map[string]string{"endpoint": EndpointJWKS, "code": "error"})
	if got != 1 {
		t.Errorf("a call without an answer counted %v times, want 1", got)
	}
}

func TestObserveStoreCountsOperationsAndErrors(t *testing.T) {
	m := New()
	m.ObserveStore("load", time.Millisecond, nil)
	m.ObserveStore("load", 3*time.Millisecond, errors.New("disk gone"))
	m.ObserveStore("save", 2*time.Second, nil)
	m.ObserveStore("made-up", time.Millisecond, nil)
	families, page := scrape(t, m.Registry())
	for _, c := range []struct {
		metric, op string
		want       float64
	}{
		{"oauthlogin_session_store_duration_seconds_count", "load", 2},
		{"oauthlogin_session_store_duration_seconds_count", "save", 1},
		{"oauthlogin_session_store_duration_seconds_count", Other, 1},
		{"oauthlogin_session_store_errors_total", "load", 1},
	} {
		if got, _ := families.Value(c.metric, map[string]string{"op": c.op}); got != c.want {
			t.Errorf("%s{op=%q} = %v, want %v\n%s", c.metric, c.op, got, c.want, page)
		}
	}
	if got, _ := families.Value("oauthlogin_session_store_duration_seconds_bucket",
		map[string]string{"op": "save", "le": "0.5"}); got != 0 {
		t.Errorf("a save of 2 s counted in the 0.5 s bucket")
	}
}

func TestCountRequestByStatusClass(t *testing.T) {
	m := New()
	for _, status := range []int{200, 204, 302, 303, 404, 503, 999} {
		m.CountRequest(status)
	}
	families, _ := scrape(t, m.Registry())
	for code, want := range map[string]float64{"2xx": 2, "3xx": 2, "4xx": 1, "5xx": 1, Other: 1} {
		if got, _ := families.Value("oauthlogin_http_requests_total", map[string]string{"code": code}); got != want {
			t.Errorf("code=%s: %v, want %v", code, got, want)
		}
	}
}
