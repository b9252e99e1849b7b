package settings

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func FuzzParseDotenv(f *testing.F) {
	seeds := []string{
		"",
		"A=b",
		"export A=b",
		"exported=1",
		"# comment\n\nA=1\n",
		"A=b # comment",
		"A=b#c",
		"A= # comment",
		"  A  =  b  ",
		"A=",
		`A=""`,
		`A=''`,
		`A='x\n #y'`,
		`A="1\n2\r3\t4\"5\\6"`,
		`A="x" # comment`,
		`A="x"y`,
		`A="\q"`,
		`A="x`,
		`A='x`,
		`A="x\`,
		"A=1\nA=2",
		"A=1\r\nB=2\r\n",
		"A=1\rB=2",
		"\uFEFFA=1",
		"1A=x",
		"=x",
		"JUST_A_WORD",
		"A=x\x00",
		"A=grüße",
	}
	for _, seed := range seeds {
		f.Add(seed)
	}
	// An independent statement of the key rule, so the test does not
	// trust the parser's own pattern.
	validKey := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

	f.Fuzz(func(t *testing.T, input string) {
		vars, err := ParseDotenv(strings.NewReader(input), "fuzz.env")
		if err != nil {
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			lines := strings.Count(input, "\n") + 1
			if syntaxErr.Line < 1 || syntaxErr.Line > lines {
				t.Fatalf("error on line %d of a %d-line input", syntaxErr.Line, lines)
			}
			return
		}
		for key := range vars {
			if !validKey.MatchString(key) {
				t.Fatalf("parsed invalid key %q", key)
			}
		}
	})
}
