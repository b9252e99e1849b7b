package settings

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

// FuzzParseDotenv checks ParseDotenv against modelParseDotenv, an
// independent statement of python-dotenv's grammar: on every input both
// must accept the same files with the same variables, and refuse the same
// files at the same line.
func FuzzParseDotenv(f *testing.F) {
	for _, seed := range modelSeeds {
		f.Add(seed)
	}
	env := map[string]string{"PROC": "from-process", "EMPTY": "", "A": "process-a"}

	f.Fuzz(func(t *testing.T, input string) {
		vars, err := ParseDotenv(strings.NewReader(input), "fuzz.env", lookupIn(env))
		var syntaxErr *SyntaxError
		if err != nil && !errors.As(err, &syntaxErr) {
			t.Fatalf("error %v is not a *SyntaxError", err)
		}
		if err != nil && strings.Contains(syntaxErr.Reason, errExpandedTooLarge.Error()) {
			return // a limit of this package, which the model does not have
		}
		want, wantLine, ok := modelParseDotenv(input, env)
		switch {
		case !ok && err == nil:
			t.Fatalf("ParseDotenv(%q) = %q, want an error at line %d", input, vars, wantLine)
		case ok && err != nil:
			t.Fatalf("ParseDotenv(%q): %v, want %q", input, err, want)
		case !ok && wantLine != 0 && syntaxErr.Line != wantLine:
			t.Fatalf("ParseDotenv(%q): %v, want the error at line %d", input, err, wantLine)
		case ok && !maps.Equal(vars, want):
			t.Fatalf("ParseDotenv(%q) = %q, want %q", input, vars, want)
		}
	})
}
