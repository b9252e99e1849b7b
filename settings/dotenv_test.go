package settings

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseDotenv(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  map[string]string
	}{
		{"empty file", "", map[string]string{}},
		{"plain", "A=b", map[string]string{"A": "b"}},
		{"several lines", "A=1\nB=2\n", map[string]string{"A": "1", "B": "2"}},
		{"export", "export A=b", map[string]string{"A": "b"}},
		{"export with tabs", "export\t A=b", map[string]string{"A": "b"}},
		{"key starting with export", "exported=1", map[string]string{"exported": "1"}},
		{"key named export", "export=1", map[string]string{"export": "1"}},
		{"underscore and digits", "_A_1=x", map[string]string{"_A_1": "x"}},
		{"blank lines", "\n  \n\t\nA=b\n\n", map[string]string{"A": "b"}},
		{"full-line comment", "# A=no\n  # indented\nB=yes", map[string]string{"B": "yes"}},
		{"comment after value", "A=b # note", map[string]string{"A": "b"}},
		{"comment after tab", "A=b\t# note", map[string]string{"A": "b"}},
		{"hash without blank before it", "A=b#c", map[string]string{"A": "b#c"}},
		{"value starting with hash", "A=#c", map[string]string{"A": "#c"}},
		{"only a comment after =", "A= # note", map[string]string{"A": ""}},
		{"whitespace trimmed", "  A  =  b c  ", map[string]string{"A": "b c"}},
		{"empty value", "A=", map[string]string{"A": ""}},
		{"empty double quotes", `A=""`, map[string]string{"A": ""}},
		{"empty single quotes", `A=''`, map[string]string{"A": ""}},
		{"quotes inside unquoted value", `A=it's "fine"`, map[string]string{"A": `it's "fine"`}},
		{"equals in value", "A=b=c", map[string]string{"A": "b=c"}},
		{"single quotes are literal", `A='x\n #y "z"'`, map[string]string{"A": `x\n #y "z"`}},
		{"single quotes keep blanks", `A='  x  '`, map[string]string{"A": "  x  "}},
		{"double-quote escapes", `A="1\n2\r3\t4\"5\\6"`, map[string]string{"A": "1\n2\r3\t4\"5\\6"}},
		{"double quotes keep hash and blanks", `A=" x # y "`, map[string]string{"A": " x # y "}},
		{"comment after closing quote", `A="x" # note`, map[string]string{"A": "x"}},
		{"blanks after closing quote", "A='x' \t", map[string]string{"A": "x"}},
		{"blank before opening quote", `A= "x"`, map[string]string{"A": "x"}},
		{"non-ASCII value", "A=grüße ✓", map[string]string{"A": "grüße ✓"}},
		{"later duplicate wins", "A=1\nA=2", map[string]string{"A": "2"}},
		{"CRLF", "A=1\r\nB='2'\r\nC=\"3\"\r\n", map[string]string{"A": "1", "B": "2", "C": "3"}},
		{"CRLF without final newline", "A=1\r\nB=2\r", map[string]string{"A": "1", "B": "2"}},
		{"byte order mark", "\uFEFFA=1", map[string]string{"A": "1"}},
		{"tab inside value", "A=x\ty", map[string]string{"A": "x\ty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDotenv(strings.NewReader(tt.input), "test.env")
			if err != nil {
				t.Fatalf("ParseDotenv(%q): %v", tt.input, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParseDotenv(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestParseDotenvSyntaxErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		line   int
		reason string
	}{
		{"no equals sign", "A=1\nJUST_A_WORD", 2, "expected KEY=value"},
		{"export without assignment", "export A", 1, "expected KEY=value"},
		{"missing key", "=x", 1, "invalid key"},
		{"key starting with digit", "1A=x", 1, "invalid key"},
		{"key with dash", "A-B=x", 1, "invalid key"},
		{"key with dot", "A.B=x", 1, "invalid key"},
		{"space inside key", "A B=x", 1, "invalid key"},
		{"byte order mark after line 1", "A=1\n\uFEFFB=2", 2, "invalid key"},
		{"unterminated double quote", "# c\n\nA=\"x", 3, `A: unterminated double quote`},
		{"escaped closing double quote", `A="x\"`, 1, `A: unterminated double quote`},
		{"backslash at end of line", `A="x\`, 1, `A: unterminated double quote`},
		{"multi-line double quote", "A=\"x\ny\"", 1, `A: unterminated double quote`},
		{"unterminated single quote", "A='x", 1, `A: unterminated single quote`},
		{"unknown escape", `A="\q"`, 1, `A: unknown escape sequence`},
		{"text after double quote", `A="x"y`, 1, `A: unexpected text after the closing quote`},
		{"text after single quote", `A='x' y`, 1, `A: unexpected text after the closing quote`},
		{"hash right after quote", `A="x"#y`, 1, `A: unexpected text after the closing quote`},
		{"lone carriage return", "A=1\rB=2", 1, "control character"},
		{"NUL byte", "A=x\x00", 1, "control character"},
		{"line too long", "A=1\nB=" + strings.Repeat("x", maxLineBytes), 2, "line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDotenv(strings.NewReader(tt.input), "env/local/.env")
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("error = %v, want a *SyntaxError", err)
			}
			if syntaxErr.File != "env/local/.env" || syntaxErr.Line != tt.line {
				t.Errorf("error at %s:%d, want env/local/.env:%d", syntaxErr.File, syntaxErr.Line, tt.line)
			}
			if !strings.HasPrefix(syntaxErr.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to start with %q", syntaxErr.Reason, tt.reason)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	err := &SyntaxError{File: "env/local/.env", Line: 7, Reason: "A: unterminated double quote"}
	want := "env/local/.env:7: A: unterminated double quote"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// The value of a malformed line may be a secret, so no error may echo it.
func TestParseDotenvErrorsHideValues(t *testing.T) {
	const canary = "SECRET-CANARY-1"
	lines := []string{
		`CLIENT_SECRET="` + canary,
		`CLIENT_SECRET='` + canary,
		`CLIENT_SECRET="` + canary + `\q"`,
		`CLIENT_SECRET="x" ` + canary,
		canary,
		canary + "=x",
		"CLIENT_SECRET=" + canary + "\rB=2",
	}
	for _, line := range lines {
		_, err := ParseDotenv(strings.NewReader(line), "test.env")
		if err == nil {
			t.Errorf("ParseDotenv(%q) succeeded, want an error", line)
			continue
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("error for %q contains the value: %v", line, err)
		}
	}
}

func TestParseDotenvReadError(t *testing.T) {
	readErr := errors.New("disk on fire")
	_, err := ParseDotenv(iotest.ErrReader(readErr), "test.env")
	if !errors.Is(err, readErr) {
		t.Fatalf("error = %v, want it to wrap %v", err, readErr)
	}
	if !strings.Contains(err.Error(), "test.env") {
		t.Errorf("error %q does not name the file", err)
	}
}
