package settings

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestIssue18_UpperBounds: every setting that sizes memory or time has an
// upper bound, accepted exactly and refused just past it. Before, only
// OAUTH_TIMEOUT, CLOCK_SKEW and REDIS_TIMEOUT had one, and an idle
// timeout of 2562047h overflowed the login limiter's window into a
// negative size for its ring, and a panic.
func TestIssue18_UpperBounds(t *testing.T) {
	for _, tt := range []struct {
		name, max, over, problem string
		with                     map[string]string // what the value needs beside it to be valid
	}{
		{"SESSION_IDLE_TIMEOUT", "24h", "24h1s", "must be from 1m to 24h", map[string]string{"SESSION_ABSOLUTE_TIMEOUT": "48h"}},
		{"SESSION_IDLE_TIMEOUT", "24h", "2562047h", "must be from 1m to 24h", map[string]string{"SESSION_ABSOLUTE_TIMEOUT": "48h"}},
		{"SESSION_ABSOLUTE_TIMEOUT", "720h", "721h", "must be from 1m to 720h", nil},
		{"SESSION_SWEEP_INTERVAL", "1h", "61m", "must be from 1s to 1h", nil},
		{"SESSION_MAX_UNFLUSHED", "1s", "1001ms", "must be from 0s to 1s", nil},
		{"OAUTH_TIMEOUT", "60s", "61s", "must be more than 0s and at most 1m", nil},
		{"CLOCK_SKEW", "5m", "301s", "must be from 1s to 5m", nil},
		{"REDIS_TIMEOUT", "1m", "61s", "must be from 10ms to 1m", nil},
		{"REDIS_POOL_SIZE", "1000", "1001", "must be a whole number from 1 to 1000", nil},
		{"LOGIN_RATE_LIMIT", "10000", "10001", "must be a whole number from 0 to 10000", nil},
		{"MAX_PENDING_SESSIONS", "1000000", "1000001", "must be a whole number from 0 to 1000000", nil},
		{"MAX_PENDING_SESSIONS", "1000000", "99999999999999999999", "must be a whole number from 0 to 1000000", nil},
	} {
		t.Run(tt.name+"="+tt.over, func(t *testing.T) {
			vars := validVars()
			for k, v := range tt.with {
				vars[k] = v
			}
			vars[tt.name] = tt.max
			if _, err := Parse(vars); err != nil {
				t.Errorf("%s=%s: %v", tt.name, tt.max, err)
			}
			vars[tt.name] = tt.over
			_, err := Parse(vars)
			var validationErr *ValidationError
			want := tt.name + ": " + tt.problem
			if !errors.As(err, &validationErr) || len(validationErr.Problems) != 1 || validationErr.Problems[0] != want {
				t.Errorf("%s=%s: %v\nwant the one problem %q", tt.name, tt.over, err, want)
			}
		})
	}
}

// The lower bounds stay where they were; SESSION_IDLE_TIMEOUT=1m above
// all, which the session package honours.
func TestLowerBounds(t *testing.T) {
	for _, tt := range []struct{ name, min, under string }{
		{"SESSION_IDLE_TIMEOUT", "1m", "59s"},
		{"SESSION_ABSOLUTE_TIMEOUT", "1m", "59s"},
		{"SESSION_SWEEP_INTERVAL", "1s", "999ms"},
		{"SESSION_MAX_UNFLUSHED", "0s", "-1ms"},
		{"CLOCK_SKEW", "1s", "999ms"},
		{"REDIS_TIMEOUT", "10ms", "9ms"},
		{"REDIS_POOL_SIZE", "1", "0"},
		{"LOGIN_RATE_LIMIT", "0", "-1"},
		{"MAX_PENDING_SESSIONS", "0", "-1"},
	} {
		vars := validVars()
		vars["SESSION_IDLE_TIMEOUT"], vars["SESSION_ABSOLUTE_TIMEOUT"] = "1m", "1m"
		vars[tt.name] = tt.min
		if _, err := Parse(vars); err != nil {
			t.Errorf("%s=%s: %v", tt.name, tt.min, err)
		}
		vars[tt.name] = tt.under
		if _, err := Parse(vars); err == nil || !strings.Contains(err.Error(), tt.name+": must be") {
			t.Errorf("%s=%s: %v, want a problem with %s", tt.name, tt.under, err, tt.name)
		}
	}
}

// The bounds are in the table that the README is made from.
func TestBoundsAreDocumented(t *testing.T) {
	for name, bound := range map[string]string{
		"SESSION_IDLE_TIMEOUT":     "From 1m to 24h",
		"SESSION_ABSOLUTE_TIMEOUT": "From 1m to 720h",
		"SESSION_SWEEP_INTERVAL":   "From 1s to 1h",
		"SESSION_MAX_UNFLUSHED":    "From 0s to 1s",
		"OAUTH_TIMEOUT":            "at most 1m",
		"CLOCK_SKEW":               "From 1s to 5m",
		"REDIS_TIMEOUT":            "From 10ms to 1m",
		"REDIS_POOL_SIZE":          "From 1 to 1000",
		"LOGIN_RATE_LIMIT":         "At most 10000",
		"MAX_PENDING_SESSIONS":     "At most 1000000",
	} {
		for _, v := range Variables() {
			if v.Name == name && !strings.Contains(v.Meaning, bound) {
				t.Errorf("%s's meaning does not say %q: %s", name, bound, v.Meaning)
			}
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[string]string{"1m": "1m", "24h": "24h", "720h": "720h", "1h": "1h", "10ms": "10ms",
		"1s": "1s", "90m": "1h30m", "1h0m1s": "1h0m1s"} {
		duration, err := time.ParseDuration(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := shortDuration(duration); got != want {
			t.Errorf("shortDuration(%s) = %s, want %s", d, got, want)
		}
	}
}
