package settings

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/iotest"
)

// lookupIn turns a map into the lookupEnv function ParseDotenv takes.
func lookupIn(environ map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		value, ok := environ[key]
		return value, ok
	}
}

// dotenvCase is a .env file and the variables python-dotenv's load_dotenv
// sets from it, with the process environment env.
type dotenvCase struct {
	name  string
	input string
	env   map[string]string
	want  map[string]string
}

func runDotenvCases(t *testing.T, tests []dotenvCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDotenv(strings.NewReader(tt.input), "test.env", lookupIn(tt.env))
			if err != nil {
				t.Fatalf("ParseDotenv(%q): %v", tt.input, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParseDotenv(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestParseDotenv(t *testing.T) {
	runDotenvCases(t, []dotenvCase{
		{name: "empty file", input: "", want: map[string]string{}},
		{name: "plain", input: "A=b", want: map[string]string{"A": "b"}},
		{name: "several lines", input: "A=1\nB=2\n", want: map[string]string{"A": "1", "B": "2"}},
		{name: "blank lines", input: "\n  \n\t\nA=b\n\n", want: map[string]string{"A": "b"}},
		{name: "full-line comment", input: "# A=no\n  # indented\nB=yes", want: map[string]string{"B": "yes"}},
		{name: "blanks trimmed", input: "  A  =  b c  ", want: map[string]string{"A": "b c"}},
		{name: "empty value", input: "A=", want: map[string]string{"A": ""}},
		{name: "empty double quotes", input: `A=""`, want: map[string]string{"A": ""}},
		{name: "empty single quotes", input: `A=''`, want: map[string]string{"A": ""}},
		{name: "quotes inside unquoted value", input: `A=it's "fine"`, want: map[string]string{"A": `it's "fine"`}},
		{name: "equals in value", input: "A=b=c", want: map[string]string{"A": "b=c"}},
		{name: "non-ASCII value", input: "A=grüße ✓", want: map[string]string{"A": "grüße ✓"}},
		{name: "later duplicate wins", input: "A=1\nA=2", want: map[string]string{"A": "2"}},
		{name: "tab inside value", input: "A=x\ty", want: map[string]string{"A": "x\ty"}},
		{name: "control character kept", input: "A=x\x01y", want: map[string]string{"A": "x\x01y"}},
		{name: "blank before opening quote", input: `A= "x"`, want: map[string]string{"A": "x"}},
		{name: "double quotes keep hash and blanks", input: `A=" x # y "`, want: map[string]string{"A": " x # y "}},
		{name: "single quotes keep blanks", input: `A='  x  '`, want: map[string]string{"A": "  x  "}},
		{name: "NUL in a comment", input: "# \x00\nA=1", want: map[string]string{"A": "1"}},
		{name: "NUL in a value replaced later", input: "A=x\x00\nA=1", want: map[string]string{"A": "1"}},
		{name: "NUL in a value the process environment replaces", input: "A=x\x00",
			env: map[string]string{"A": "set"}, want: map[string]string{"A": "x\x00"}},
	})
}

func TestParseDotenvComments(t *testing.T) {
	runDotenvCases(t, []dotenvCase{
		{name: "after a value", input: "A=b # note", want: map[string]string{"A": "b"}},
		{name: "after a tab", input: "A=b\t# note", want: map[string]string{"A": "b"}},
		{name: "after several blanks", input: "A=b c   # note # more", want: map[string]string{"A": "b c"}},
		{name: "after a no-break space", input: "A=b\u00a0# note", want: map[string]string{"A": "b"}},
		{name: "after an ASCII unit separator", input: "A=b\x1f# note", want: map[string]string{"A": "b"}},
		{name: "hash without blank before it", input: "A=b#c", want: map[string]string{"A": "b#c"}},
		{name: "value starting with hash", input: "A=#c", want: map[string]string{"A": "#c"}},
		{name: "only a comment after = and a blank", input: "F= # c", want: map[string]string{"F": "# c"}},
		{name: "after double quotes", input: `K="v" # c`, want: map[string]string{"K": "v"}},
		{name: "after single quotes", input: `K='v' # c`, want: map[string]string{"K": "v"}},
		{name: "right after double quotes", input: `K="v"# c`, want: map[string]string{"K": "v"}},
		{name: "right after single quotes", input: `K='v'#c`, want: map[string]string{"K": "v"}},
		{name: "the issue's line", input: `SECRET="abc" # rotated in May`, want: map[string]string{"SECRET": "abc"}},
		{name: "blanks after closing quote", input: "A='x' \t", want: map[string]string{"A": "x"}},
		{name: "after a key without value", input: "A # c\nB#c", want: map[string]string{}},
	})
}

func TestParseDotenvEscapes(t *testing.T) {
	runDotenvCases(t, []dotenvCase{
		{name: `single quotes decode \' and \\`, input: `A='it\'s a\\b'`, want: map[string]string{"A": `it's a\b`}},
		{name: "single quotes keep other backslashes", input: `A='x\n\"\$'`, want: map[string]string{"A": `x\n\"\$`}},
		{name: "double quotes decode python-dotenv's escapes",
			input: `A="\\ \' \" \a \b \f \n \r \t \v"`,
			want:  map[string]string{"A": "\\ ' \" \a \b \f \n \r \t \v"}},
		{name: "double quotes keep other backslash pairs", input: `A="\q \x41 \u00e9 \0 \$"`,
			want: map[string]string{"A": `\q \x41 \u00e9 \0 \$`}},
		{name: "escaped backslash before a letter", input: `A="\\n"`, want: map[string]string{"A": `\n`}},
		{name: "escaped quote at the end of the file", input: `A="a\"`, want: map[string]string{"A": `a\`}},
		{name: "escaped backslash at the end of the file", input: `A="C:\\"`, want: map[string]string{"A": `C:\`}},
		{name: "escaped single quote at the end of the file", input: `A='a\'`, want: map[string]string{"A": `a\`}},
	})
}

func TestParseDotenvMultiline(t *testing.T) {
	const pem = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----"
	runDotenvCases(t, []dotenvCase{
		{name: "PEM key in double quotes", input: "KEY=\"" + pem + "\"\nNEXT=1\n",
			want: map[string]string{"KEY": pem, "NEXT": "1"}},
		{name: "PEM key with CRLF line ends", input: strings.ReplaceAll("KEY=\""+pem+"\"\nNEXT=1\n", "\n", "\r\n"),
			want: map[string]string{"KEY": pem, "NEXT": "1"}},
		{name: "SQL in single quotes", input: "Q='SELECT id\n  FROM users\n  WHERE name = \\'x\\''  # c\nB=2",
			want: map[string]string{"Q": "SELECT id\n  FROM users\n  WHERE name = 'x'", "B": "2"}},
		{name: "CRLF", input: "A=1\r\nB='2'\r\nC=\"3\"\r\n", want: map[string]string{"A": "1", "B": "2", "C": "3"}},
		{name: "CRLF without final line end", input: "A=1\r\nB=2\r", want: map[string]string{"A": "1", "B": "2"}},
		{name: "CR-only line ends", input: "A=1\rB=\"x\ry\"\rC=3", want: map[string]string{"A": "1", "B": "x\ny", "C": "3"}},
		{name: `\r escape survives`, input: `A="x\ry"`, want: map[string]string{"A": "x\ry"}},
	})
}

func TestParseDotenvKeys(t *testing.T) {
	runDotenvCases(t, []dotenvCase{
		{name: "dots", input: "app.name=x", want: map[string]string{"app.name": "x"}},
		{name: "dashes", input: "my-key=x", want: map[string]string{"my-key": "x"}},
		{name: "leading digit", input: "1KEY=x", want: map[string]string{"1KEY": "x"}},
		{name: "letters outside ASCII", input: "grüße=x\nключ=y", want: map[string]string{"grüße": "x", "ключ": "y"}},
		{name: "quoted key", input: "'my key'=x", want: map[string]string{"my key": "x"}},
		{name: "export", input: "export A=b", want: map[string]string{"A": "b"}},
		{name: "export with tabs", input: "export\t A=b", want: map[string]string{"A": "b"}},
		{name: "key starting with export", input: "exported=1", want: map[string]string{"exported": "1"}},
		{name: "key named export", input: "export=1", want: map[string]string{"export": "1"}},
		{name: "export KEY sets nothing", input: "export KEY", want: map[string]string{}},
		{name: "bare KEY sets nothing", input: "KEY\nexport", want: map[string]string{}},
		{name: "bare KEY undoes an earlier value", input: "A=1\nB=2\nA", want: map[string]string{"B": "2"}},
		{name: "byte order mark", input: "\uFEFFA=1", want: map[string]string{"A": "1"}},
		{name: "byte order mark after the start is a letter", input: "A=1\n\uFEFFB=2",
			want: map[string]string{"A": "1", "\uFEFFB": "2"}},
		{name: "vertical tab and form feed are blanks", input: "\vA\f=\vb\f", want: map[string]string{"A": "b"}},
	})
}

func TestParseDotenvExpansion(t *testing.T) {
	env := map[string]string{"HOST": "proc.example", "EMPTY": "", "A": "from-process"}
	runDotenvCases(t, []dotenvCase{
		{name: "from a line above", input: "X=1\nY=${X}", want: map[string]string{"X": "1", "Y": "1"}},
		{name: "in double quotes", input: "X=1\nY=\"<${X}>\"", want: map[string]string{"X": "1", "Y": "<1>"}},
		{name: "from the process environment", input: "U=http://${HOST}/", env: env,
			want: map[string]string{"U": "http://proc.example/"}},
		{name: "process environment wins over the file", input: "A=file\nB=${A}", env: env,
			want: map[string]string{"A": "file", "B": "from-process"}},
		{name: "empty in the process environment wins", input: "EMPTY=file\nB=${EMPTY:-d}", env: env,
			want: map[string]string{"EMPTY": "file", "B": ""}},
		{name: "undefined is empty", input: "Y=a${NOPE}b", want: map[string]string{"Y": "ab"}},
		{name: "defined further down is empty", input: "Y=${X}\nX=1", want: map[string]string{"X": "1", "Y": ""}},
		{name: "default when undefined", input: "Y=${NOPE:-fallback}", want: map[string]string{"Y": "fallback"}},
		{name: "default unused when defined", input: "X=1\nY=${X:-fallback}", want: map[string]string{"X": "1", "Y": "1"}},
		{name: "default unused when defined empty", input: "X=\nY=${X:-fallback}", want: map[string]string{"X": "", "Y": ""}},
		{name: "default unused after a bare key", input: "X\nY=${X:-fallback}", want: map[string]string{"Y": ""}},
		{name: "empty default", input: "Y=${NOPE:-}", want: map[string]string{"Y": ""}},
		{name: "default keeps colons", input: "Y=${NOPE:-a:b}", want: map[string]string{"Y": "a:b"}},
		{name: "default is not expanded", input: "X=1\nY=${NOPE:-${X}}", want: map[string]string{"X": "1", "Y": "${X}"}},
		{name: "expanded values are not expanded again", input: "X='${Z}'\nZ=1\nY=${X}",
			want: map[string]string{"X": "${Z}", "Z": "1", "Y": "${Z}"}},
		{name: "several references", input: "X=1\nY=${X}${X}-${X}", want: map[string]string{"X": "1", "Y": "11-1"}},
		{name: "dotted names", input: "app.name=x\nY=${app.name}", want: map[string]string{"app.name": "x", "Y": "x"}},
		{name: "comment cut before expansion", input: "X=1\nY=${X} # ${X}", want: map[string]string{"X": "1", "Y": "1"}},
		{name: "$NAME without braces is kept", input: "X=1\nY=$X", want: map[string]string{"X": "1", "Y": "$X"}},
		{name: "$$ before a reference", input: "X=1\nY=$${X}", want: map[string]string{"X": "1", "Y": "$1"}},
		{name: "backslash does not protect $", input: "X=1\nY=\"\\${X}\"", want: map[string]string{"X": "1", "Y": `\1`}},
		{name: "single quotes are literal", input: "X=1\nY='${X} $X'", want: map[string]string{"X": "1", "Y": "${X} $X"}},
		{name: "unclosed reference is kept", input: "X=1\nY=${X", want: map[string]string{"X": "1", "Y": "${X"}},
		{name: "colon without dash is kept", input: "X=1\nY=${X:1}", want: map[string]string{"X": "1", "Y": "${X:1}"}},
		{name: "shell default without colon names a variable", input: "X=1\nY=${X-d}", want: map[string]string{"X": "1", "Y": ""}},
		{name: "empty name", input: "Y=<${}>", want: map[string]string{"Y": "<>"}},
		{name: "a key can refer to its own earlier value", input: "P=/bin\nP=${P}:/usr/bin", want: map[string]string{"P": "/bin:/usr/bin"}},
	})
}

func TestParseDotenvSyntaxErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		line   int
		reason string
	}{
		{"blank inside key", "A=1\nA B=x", 2, "expected = after the key"},
		{"missing key", "=x", 1, "expected a key"},
		{"export without key", "export =x", 1, "expected a key"},
		{"export and a blank at the end", "export ", 1, "expected a key"},
		{"unterminated quoted key", "'A=x", 1, "unterminated single quote in a key"},
		{"empty quoted key", "''=x", 1, "empty key"},
		{"text after quoted key", "'A'x=1", 1, "expected = after the key"},
		{"quoted key with =", "'A=B'=x", 1, "= in a quoted key"},
		{"unterminated double quote", "# c\n\nA=\"x", 3, `A: unterminated double quote`},
		{"statement after blank lines", "A=1\n\n\n  B=\"x", 4, `B: unterminated double quote`},
		{"backslash at the end", `A="x\`, 1, `A: unterminated double quote`},
		{"unterminated single quote", "A='x", 1, `A: unterminated single quote`},
		{"escaped backslash before a later quote", "A=\"C:\\\\\"\nB=\"x\"", 1, `A: unexpected text after the closing quote`},
		{"unclosed quote runs to a later line", "A='x\nB='y'", 1, `A: unexpected text after the closing quote`},
		{"text after double quote", `A="x"y`, 1, `A: unexpected text after the closing quote`},
		{"text after single quote", `A='x' y`, 1, `A: unexpected text after the closing quote`},
		{"NUL in a value", "A=1\nB=x\x00", 2, "B: NUL character in the value"},
		{"NUL in a key", "A\x00=1", 1, "NUL character in a key"},
		{"NUL copied by expansion", "P=x\x00\nQ=${P}\nP=ok", 2, "Q: NUL character in the value"},
		{"invalid UTF-8", "A=1\nB=\xff", 2, "not valid UTF-8"},
		{"file too large", "A=1\nB=" + strings.Repeat("x", maxDotenvBytes), 2, "file larger than 1 MiB"},
		{"expansion too large", "A=" + strings.Repeat("x", 1<<16) + "\nB=" + strings.Repeat("${A}", 32) +
			"\nC=" + strings.Repeat("${B}", 64), 3, "C: values grow past 4 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDotenv(strings.NewReader(tt.input), "env/local/.env", nil)
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

// The value of a malformed statement may be a secret, so no error may
// echo it, nor a key that might be a pasted value.
func TestParseDotenvErrorsHideValues(t *testing.T) {
	const canary = "SECRET-CANARY-1"
	inputs := []string{
		`CLIENT_SECRET="` + canary,
		`CLIENT_SECRET='` + canary,
		`CLIENT_SECRET="x" ` + canary,
		`CLIENT_SECRET=` + canary + "\x00",
		"CLIENT_SECRET=" + canary + "\xff",
		canary + " x",
		canary + "/x y=1",
		"'" + canary + "=x'=1",
		"A=\"" + canary + "\\\"\nB=\"x\"",
	}
	for _, input := range inputs {
		_, err := ParseDotenv(strings.NewReader(input), "test.env", nil)
		if err == nil {
			t.Errorf("ParseDotenv(%q) succeeded, want an error", input)
			continue
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("error for %q contains the value: %v", input, err)
		}
	}
}

func TestParseDotenvReadError(t *testing.T) {
	readErr := errors.New("disk on fire")
	_, err := ParseDotenv(iotest.ErrReader(readErr), "test.env", nil)
	if !errors.Is(err, readErr) {
		t.Fatalf("error = %v, want it to wrap %v", err, readErr)
	}
	if !strings.Contains(err.Error(), "test.env") {
		t.Errorf("error %q does not name the file", err)
	}
}

// TestIsPythonSpace pins the white space python-dotenv trims and splits
// on: what Python's str.isspace accepts, listed here independently.
func TestIsPythonSpace(t *testing.T) {
	python := "\t\n\v\f\r \x1c\x1d\x1e\x1f\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005" +
		"\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
	for _, r := range python {
		if !isPythonSpace(r) {
			t.Errorf("isPythonSpace(%U) = false, want true", r)
		}
	}
	for _, r := range "a_#=\x00\x1b\u200b\u180e\ufeff" {
		if isPythonSpace(r) {
			t.Errorf("isPythonSpace(%U) = true, want false", r)
		}
	}
}
