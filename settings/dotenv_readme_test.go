package settings

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeDotenvExamples keeps the README's .env section true: each
// example file, parsed with the process environment its sentence names,
// gives exactly the block that follows it.
func TestReadmeDotenvExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```dotenv\n(.*?)```\n\n(.*?)\n\n```\n(.*?)```").
		FindAllStringSubmatch(string(readme), -1)
	if len(blocks) != 3 {
		t.Fatalf("found %d examples in settings/README.md, want 3", len(blocks))
	}
	for _, block := range blocks {
		file, sentence, want := block[1], block[2], block[3]
		env := map[string]string{}
		if strings.Contains(sentence, "HOST=app.example") {
			env["HOST"] = "app.example"
		}
		vars, err := ParseDotenv(strings.NewReader(file), "env/local/.env", lookupIn(env))
		var got strings.Builder
		if err != nil {
			fmt.Fprintln(&got, err)
		}
		for _, key := range slices.Sorted(maps.Keys(vars)) {
			fmt.Fprintf(&got, "%s=%q\n", key, vars[key])
		}
		if got.String() != want {
			t.Errorf("settings/README.md: the file\n%s\ngives\n%s\nnot\n%s", file, got.String(), want)
		}
	}
}
