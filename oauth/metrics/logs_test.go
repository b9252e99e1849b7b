package metrics

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func eventCount(t *testing.T, m *Metrics, event, reason string) float64 {
	t.Helper()
	families, _ := scrape(t, m.Registry())
	v, _ := families.Value("oauthlogin_events_total", map[string]string{"event": event, "reason": reason})
	return v
}

// TestLogHandlerCountsWhatTheLevelDrops logs at a level the log does not
// write: the record is counted all the same, and not written.
func TestLogHandlerCountsWhatTheLevelDrops(t *testing.T) {
	m := New()
	var out bytes.Buffer
	logger := slog.New(m.LogHandler(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelError})))
	logger.Info("login started", "event", "login_started", "session", "abc")
	logger.Warn("callback rejected", "event", "callback_rejected", "reason", "state_mismatch")
	logger.Error("start login: save session", "event", "session_store_error")
	logger.Info("listening", "addr", "127.0.0.1:1") // no event: not counted

	for _, c := range []struct {
		event, reason string
	}{{"login_started", ""}, {"callback_rejected", "state_mismatch"}, {"session_store_error", ""}} {
		if got := eventCount(t, m, c.event, c.reason); got != 1 {
			t.Errorf("%s/%s counted %v times, want 1", c.event, c.reason, got)
		}
	}
	if lines := strings.Count(out.String(), "\n"); lines != 1 || !strings.Contains(out.String(), "session_store_error") {
		t.Errorf("the log took more or less than its level allows:\n%s", out.String())
	}
	families, _ := scrape(t, m.Registry())
	if n := len(families["oauthlogin_events_total"].Samples); n != 3 {
		t.Errorf("%d series of events, want 3 (the record without an event is not one)", n)
	}
}

func TestLogHandlerReadsWithButNotGroups(t *testing.T) {
	m := New()
	var out bytes.Buffer
	logger := slog.New(m.LogHandler(slog.NewTextHandler(&out, nil)))
	logger.With("event", "logout").Info("logout")
	logger.With("event", "session_expired").Info("session expired", "reason", "idle")
	logger.WithGroup("request").Info("inside a group", "event", "login_started")
	logger.With("event", "rate_limited").WithGroup("g").Info("limited", "event", "login_started")
	logger.WithGroup("").Info("an empty group is none", "event", "pending_limited")

	for _, c := range []struct {
		event, reason string
		want          float64
	}{
		{"logout", "", 1}, {"session_expired", "idle", 1}, {"rate_limited", "", 1}, {"login_started", "", 0},
		{"pending_limited", "", 1},
	} {
		if got := eventCount(t, m, c.event, c.reason); got != c.want {
			t.Errorf("%s/%s counted %v times, want %v", c.event, c.reason, got, c.want)
		}
	}
	if !strings.Contains(out.String(), "request.event=login_started") {
		t.Errorf("the wrapped handler did not get the group:\n%s", out.String())
	}
}

// TestLogHandlerBoundsItsLabels logs events and reasons it does not know,
// as a reason taken from a request could be: they are all "other".
func TestLogHandlerBoundsItsLabels(t *testing.T) {
	m := New()
	logger := slog.New(m.LogHandler(slog.DiscardHandler))
	for _, v := range []string{"made_up", "<script>", "a\nb", strings.Repeat("x", 10000)} {
		logger.Warn("x", "event", v, "reason", v)
		logger.Warn("x", "event", "callback_rejected", "reason", v)
	}
	if got := eventCount(t, m, Other, Other); got != 4 {
		t.Errorf("unknown events counted %v times as other/other, want 4", got)
	}
	if got := eventCount(t, m, "callback_rejected", Other); got != 4 {
		t.Errorf("unknown reasons counted %v times, want 4", got)
	}
	families, _ := scrape(t, m.Registry())
	if n := len(families["oauthlogin_events_total"].Samples); n != 2 {
		t.Errorf("%d series, want 2", n)
	}
}

// TestLogVocabularyCoversTheSource reads the module's source for the
// events and reasons it logs, so that one added there without being added
// here is found: it would be counted, but only as "other".
func TestLogVocabularyCoversTheSource(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join("..", "callback.go")); err != nil {
		t.Skip("package oauth is not beside this one (a copy of this folder alone): no source to compare the lists with")
	}
	patterns := map[string][]*regexp.Regexp{
		"event": {
			regexp.MustCompile(`"event", "([a-z_]+)"`),
			// the events package oauth passes to the function that logs them
			regexp.MustCompile(`providerFailed\([^)]*, "([a-z_]+)", err\)`),
		},
		"reason": {
			regexp.MustCompile(`"reason", "([a-z_]+)"`),
			regexp.MustCompile(`Reason: "([a-z_]+)"`),
			regexp.MustCompile(`Reason[A-Za-z]+ += "([a-z_]+)"`),  // oauth/oidc's constants
			regexp.MustCompile(`reason = "([a-z_]+)"`),            // package session's expiry
			regexp.MustCompile(`\.end\(sess, "([a-z_]+)", err\)`), // oauth/tokens, when the provider's login ended
		},
	}
	found := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		for kind, res := range patterns {
			for _, re := range res {
				for _, m := range re.FindAllSubmatch(src, -1) {
					found[kind] = append(found[kind], string(m[1]))
				}
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	known := map[string][]string{"event": loginEvents(), "reason": loginReasons()}
	for kind, values := range found {
		for _, v := range values {
			if !slices.Contains(known[kind], v) {
				t.Errorf("the source logs %s %q, which metrics counts only as other: add it to logs.go", kind, v)
			}
		}
	}
	// Package oauth alone, as in a copy without the other layers, logs a
	// dozen of each.
	if len(found["event"]) < 12 || len(found["reason"]) < 10 {
		t.Errorf("found only %d events and %d reasons in the source: are the patterns out of date?",
			len(found["event"]), len(found["reason"]))
	}
}
