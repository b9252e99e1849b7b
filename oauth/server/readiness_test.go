package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func probe(rd *Readiness) (int, string) {
	w := httptest.NewRecorder()
	rd.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return w.Code, strings.TrimSpace(w.Body.String())
}

// Ready while every check passes; the first failing check's problem, in
// its fixed words, while one fails; not ready from the start of shutdown.
func TestReadinessFollowsItsChecksAndShutdown(t *testing.T) {
	rd := NewReadiness(slog.New(slog.DiscardHandler))
	var storeDown bool
	rd.Add("the session store does not answer", func(context.Context) error {
		if storeDown {
			return errors.New("dial tcp 10.0.0.7:6379: connection refused")
		}
		return nil
	})
	if code, body := probe(rd); code != http.StatusOK || body != "ready" {
		t.Errorf("all checks pass: %d %q", code, body)
	}
	storeDown = true
	rd.checkedAt = rd.checkedAt.AddDate(0, 0, -1) // the answer has aged
	if code, body := probe(rd); code != http.StatusServiceUnavailable || body != "not ready: the session store does not answer" {
		t.Errorf("a check fails: %d %q", code, body)
	}
	storeDown = false
	rd.checkedAt = rd.checkedAt.AddDate(0, 0, -1)
	rd.ShutDown()
	if code, body := probe(rd); code != http.StatusServiceUnavailable || body != "not ready: shutting down" {
		t.Errorf("shutting down: %d %q", code, body)
	}
}

// A flood of probes runs the checks once per interval, not once a probe.
func TestReadinessRunsItsChecksOncePerInterval(t *testing.T) {
	rd := NewReadiness(slog.New(slog.DiscardHandler))
	runs := 0
	rd.Add("x", func(context.Context) error { runs++; return nil })
	for range 100 {
		probe(rd)
	}
	if runs != 1 {
		t.Errorf("100 probes ran the checks %d times; want once", runs)
	}
}
