package templates

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestChecklist55_SecurityHeaders: every response carries the headers,
// HSTS only when asked for.
func TestChecklist55_SecurityHeaders(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})
	for _, hsts := range []bool{false, true} {
		w := httptest.NewRecorder()
		SecurityHeaders(ok, hsts).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		h := w.Header()
		want := map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
		}
		for name, value := range want {
			if h.Get(name) != value {
				t.Errorf("%s = %q, want %q", name, h.Get(name), value)
			}
		}
		csp := h.Get("Content-Security-Policy")
		for _, directive := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, directive) {
				t.Errorf("CSP %q lacks %q", csp, directive)
			}
		}
		if got := h.Get("Strict-Transport-Security") != ""; got != hsts {
			t.Errorf("with hsts=%v, Strict-Transport-Security present = %v", hsts, got)
		}
	}
}

// TestChecklist56_PanicBecomesGenericPage: a panic answers 500 with the
// plain error page; the panic's text and stack reach the log only.
func TestChecklist56_PanicBecomesGenericPage(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("SECRET-CANARY-1 in a panic")
	})
	w := httptest.NewRecorder()
	pages.Recover(boom, logger).ServeHTTP(w, httptest.NewRequest("GET", "/oauth/callback", nil))

	if w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, "Something went wrong") {
		t.Errorf("body is not the error page:\n%s", body)
	}
	for _, leak := range []string{"SECRET-CANARY-1", "goroutine", ".go:"} {
		if strings.Contains(body, leak) {
			t.Errorf("the page shows %q", leak)
		}
	}
	if !strings.Contains(logs.String(), "panic serving request") || !strings.Contains(logs.String(), "stack") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
}

// TestRecoverLetsAbortHandlerThrough: http.ErrAbortHandler is how a
// handler asks the server to drop the connection; it is not an error.
func TestRecoverLetsAbortHandlerThrough(t *testing.T) {
	pages, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	abort := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler to pass through", v)
		}
	}()
	pages.Recover(abort, slog.New(slog.DiscardHandler)).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
