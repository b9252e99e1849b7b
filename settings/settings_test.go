package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const canary = "SECRET-CANARY-1"

func TestSettingsLogValue(t *testing.T) {
	s, err := Parse(validVars())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("settings", "settings", s)

	var line struct {
		Settings struct {
			Environment string
			Server      struct{ Addr string } `json:"server"`
			OAuth       struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
				Scope        string
			} `json:"oauth"`
			Session struct {
				IdleTimeout string `json:"idle_timeout"`
				Secret      string
			} `json:"session"`
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %s: %v", &buf, err)
	}
	got := line.Settings
	if got.Environment != "local" || got.Server.Addr != "localhost:5000" || got.OAuth.ClientID != "client-id" ||
		got.OAuth.Scope != "read write" || got.Session.IdleTimeout != "30m0s" {
		t.Errorf("log line lacks the expected summary: %s", &buf)
	}
	if got.OAuth.ClientSecret != "[redacted]" || got.Session.Secret != "[redacted]" {
		t.Errorf("secrets not shown as [redacted]: %s", &buf)
	}
}

// The client secret and SECRET must not appear in any error or log
// output, whether the settings are valid or not.
func TestSecretsNeverPrinted(t *testing.T) {
	invalid := map[string]string{
		"CLIENT_SECRET":  canary,
		"SECRET":         canary,
		"AUTHORIZE_URL":  "http://" + canary + "@provider.example/#" + canary,
		"REDIRECT_URL":   "ftp://app.example/" + canary,
		"OAUTH_TIMEOUT":  canary,
		"LOG_LEVEL":      canary,
		"ENVIRONMENT":    canary,
		"SESSION_DIR":    "",
		"XDG_CACHE_HOME": canary,
	}
	_, err := Parse(invalid)
	if err == nil {
		t.Fatal("Parse accepted invalid settings")
	}
	if strings.Contains(err.Error(), canary) {
		t.Errorf("validation error contains the secret:\n%v", err)
	}

	// The secret must be long enough to be valid, so extend the canary.
	vars := validVars()
	vars["CLIENT_SECRET"] = canary
	vars["SECRET"] = canary + strings.Repeat("-", 32)
	s, err := Parse(vars)
	if err != nil {
		t.Fatal(err)
	}
	if printed := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(printed, canary) {
		t.Errorf("formatted settings contain the secret:\n%s", printed)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("settings", "settings", s, "pointer", &s)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("settings", "settings", s)
	if strings.Contains(buf.String(), canary) {
		t.Errorf("log output contains the secret:\n%s", &buf)
	}
}
