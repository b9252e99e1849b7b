package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Readiness answers /readyz: whether this instance should get visitors
// now. /healthz says only that the process answers; a load balancer that
// asked it would keep sending people to an instance whose session store
// is down, where every page is an error.
//
// It is ready when every check passes and shutdown has not begun. The
// answer names the first check that failed, in a fixed phrase: /readyz is
// on the public listener, so the details (an address, a path) go to the
// log only, once each time the instance stops being ready.
type Readiness struct {
	checks   []readyCheck
	stopping atomic.Bool
	logger   *slog.Logger

	// mu is held while the checks run, so that a flood of probes runs
	// them at most once per readyInterval and never several at once.
	mu        sync.Mutex
	checkedAt time.Time
	failed    *readyCheck // the check that failed last time; nil if all passed
}

// readyCheck is one thing an instance needs to serve: its name says what
// is wrong when it fails.
type readyCheck struct {
	name  string // "the session store does not answer"
	check func(context.Context) error
}

const (
	// readyInterval is how long one answer stands: probes in between get
	// it without the checks running again.
	readyInterval = time.Second
	// readyTimeout bounds the checks of one probe. Load balancers wait a
	// few seconds for an answer.
	readyTimeout = 5 * time.Second
)

// NewReadiness returns a Readiness without checks, which logs to logger.
func NewReadiness(logger *slog.Logger) *Readiness {
	return &Readiness{logger: logger}
}

// Add adds a check; problem is what /readyz says when it fails. Add all
// checks before serving.
func (rd *Readiness) Add(problem string, check func(context.Context) error) {
	rd.checks = append(rd.checks, readyCheck{problem, check})
}

// ShutDown makes /readyz answer 503 from now on, so that load balancers
// stop sending visitors before the listener closes.
func (rd *Readiness) ShutDown() { rd.stopping.Store(true) }

// ServeHTTP answers 200 "ready", or 503 "not ready:" and the problem.
func (rd *Readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	problem := "shutting down"
	if !rd.stopping.Load() {
		problem = rd.problem(r.Context())
	}
	if problem != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready:", problem)
		return
	}
	fmt.Fprintln(w, "ready")
}

// problem runs the checks, or reuses their answer if it is recent, and
// returns what is wrong, or "" when nothing is.
func (rd *Readiness) problem(ctx context.Context) string {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if time.Since(rd.checkedAt) >= readyInterval {
		rd.run(ctx)
	}
	if rd.failed == nil {
		return ""
	}
	return rd.failed.name
}

// run runs the checks in order, up to the first that fails, and logs when
// the outcome changes. The caller holds rd.mu.
func (rd *Readiness) run(ctx context.Context) {
	// A prober that hangs up must not make the answer for the next ones.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	was := rd.failed
	rd.failed = nil
	for i := range rd.checks {
		c := &rd.checks[i]
		if err := c.check(ctx); err != nil {
			rd.failed = c
			if was != c {
				rd.logger.Warn("not ready", "problem", c.name, "err", err)
			}
			break
		}
	}
	if was != nil && rd.failed == nil {
		rd.logger.Info("ready again")
	}
	rd.checkedAt = time.Now()
}
