package settings

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestServiceSettingsRead(t *testing.T) {
	s, err := Parse(with(map[string]*string{
		"TLS_CERT_FILE":  ptr("/etc/oauthlogin/cert.pem"),
		"TLS_KEY_FILE":   ptr("/etc/oauthlogin/key.pem"),
		"METRICS_ADDR":   ptr("localhost:9100"),
		"SHUTDOWN_DELAY": ptr("15s"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Server{TLSCertFile: "/etc/oauthlogin/cert.pem", TLSKeyFile: "/etc/oauthlogin/key.pem",
		MetricsAddr: "localhost:9100", ShutdownDelay: 15 * time.Second}
	got := s.Server
	if got.TLSCertFile != want.TLSCertFile || got.TLSKeyFile != want.TLSKeyFile || got.MetricsAddr != want.MetricsAddr ||
		got.ShutdownDelay != want.ShutdownDelay || got.InsecureMetricsPublic {
		t.Errorf("Server = %+v, want %+v", got, want)
	}
	for _, addr := range []string{"0.0.0.0:9100", ":9100", "10.0.0.5:9100"} {
		vars := with(map[string]*string{"METRICS_ADDR": ptr(addr), "INSECURE_METRICS_PUBLIC": ptr("true")})
		if s, err := Parse(vars); err != nil || s.Server.MetricsAddr != addr || !s.Server.InsecureMetricsPublic {
			t.Errorf("METRICS_ADDR=%s with INSECURE_METRICS_PUBLIC=true: %v", addr, err)
		}
	}
}

func TestServiceSettingsRejects(t *testing.T) {
	for _, c := range []struct {
		name    string
		changes map[string]*string
		want    string // the problem's start
	}{
		{"a certificate without its key", map[string]*string{"TLS_CERT_FILE": ptr("/c.pem")}, "TLS_KEY_FILE: must be set"},
		{"a key without its certificate", map[string]*string{"TLS_KEY_FILE": ptr("/k.pem")}, "TLS_CERT_FILE: must be set"},
		{"https served, http redirect", map[string]*string{"TLS_CERT_FILE": ptr("/c.pem"), "TLS_KEY_FILE": ptr("/k.pem"),
			"REDIRECT_URL": ptr("http://localhost:5000/oauth/callback")}, "REDIRECT_URL: must be https when"},
		{"metrics on every interface", map[string]*string{"METRICS_ADDR": ptr(":9100")}, "METRICS_ADDR: must be on a loopback"},
		{"metrics on 0.0.0.0", map[string]*string{"METRICS_ADDR": ptr("0.0.0.0:9100")}, "METRICS_ADDR: must be on a loopback"},
		{"metrics on a name", map[string]*string{"METRICS_ADDR": ptr("metrics.example:9100")}, "METRICS_ADDR: must be on a loopback"},
		{"metrics, stated but false", map[string]*string{"METRICS_ADDR": ptr("[::]:9100"),
			"INSECURE_METRICS_PUBLIC": ptr("false")}, "METRICS_ADDR: must be on a loopback"},
		{"metrics without a port", map[string]*string{"METRICS_ADDR": ptr("localhost")}, "METRICS_ADDR: must be host:port"},
		{"metrics on the app's address", map[string]*string{"METRICS_ADDR": ptr("localhost:5000")},
			"METRICS_ADDR: must not be the address"},
		{"INSECURE_METRICS_PUBLIC not a boolean", map[string]*string{"INSECURE_METRICS_PUBLIC": ptr("yes please")},
			"INSECURE_METRICS_PUBLIC: must be true or false"},
		{"a negative delay", map[string]*string{"SHUTDOWN_DELAY": ptr("-1s")}, "SHUTDOWN_DELAY: must be from 0s to 1m"},
		{"a delay past the bound", map[string]*string{"SHUTDOWN_DELAY": ptr("2m")}, "SHUTDOWN_DELAY: must be from 0s to 1m"},
		{"a delay without a unit", map[string]*string{"SHUTDOWN_DELAY": ptr("5")}, "SHUTDOWN_DELAY: must be a duration"},
	} {
		_, err := Parse(with(c.changes))
		var invalid *ValidationError
		if !errors.As(err, &invalid) {
			t.Errorf("%s: %v, want a ValidationError", c.name, err)
			continue
		}
		found := false
		for _, p := range invalid.Problems {
			found = found || strings.HasPrefix(p, c.want)
		}
		if !found {
			t.Errorf("%s: problems %q, want one starting %q", c.name, invalid.Problems, c.want)
		}
	}
}
