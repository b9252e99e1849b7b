package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const secretValue = "hunter2-hunter2"

func TestSecretReveal(t *testing.T) {
	if got := NewSecret(secretValue).Reveal(); got != secretValue {
		t.Errorf("Reveal() = %q, want %q", got, secretValue)
	}
}

func TestSecretFormatting(t *testing.T) {
	secret := NewSecret(secretValue)
	holder := struct{ S Secret }{secret}
	tests := []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", secret, "[redacted]"},
		{"%s", secret, "[redacted]"},
		{"%+v", secret, "[redacted]"},
		{"%#v", secret, `"[redacted]"`},
		{"%q", secret, `"[redacted]"`},
		{"%12s|", secret, "  [redacted]|"},
		{"%x", secret, fmt.Sprintf("%x", "[redacted]")},
		{"%d", secret, "%!d(string=[redacted])"},
		{"%v", holder, "{[redacted]}"},
		{"%+v", &holder, "&{S:[redacted]}"},
		{"%#v", holder, `struct { S settings.Secret }{S:"[redacted]"}`},
		{"%v", []Secret{secret}, "[[redacted]]"},
		{"%v", map[string]Secret{"k": secret}, "map[k:[redacted]]"},
		{"%v", NewSecret(""), ""},
		{"%q", NewSecret(""), `""`},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, tt.arg); got != tt.want {
			t.Errorf("Sprintf(%q, %T) = %q, want %q", tt.format, tt.arg, got, tt.want)
		}
	}
}

func TestSecretMethods(t *testing.T) {
	secret := NewSecret(secretValue)
	tests := []struct {
		name, got, want string
	}{
		{"String", secret.String(), "[redacted]"},
		{"GoString", secret.GoString(), `"[redacted]"`},
		{"LogValue", secret.LogValue().String(), "[redacted]"},
		{"empty String", Secret{}.String(), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestSecretJSON(t *testing.T) {
	got, err := json.Marshal(struct{ S, Empty Secret }{S: NewSecret(secretValue)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"S":"[redacted]","Empty":""}`; string(got) != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
}

func TestSecretInSlog(t *testing.T) {
	var buf bytes.Buffer
	for _, handler := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(handler).Info("msg", "secret", NewSecret(secretValue), "holder", struct{ S Secret }{NewSecret(secretValue)})
	}
	if strings.Contains(buf.String(), secretValue) {
		t.Errorf("log output contains the secret:\n%s", &buf)
	}
	if !strings.Contains(buf.String(), "[redacted]") {
		t.Errorf("log output lacks the redacted marker:\n%s", &buf)
	}
}
