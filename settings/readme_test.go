package settings

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeListsEveryVariable keeps the README's settings table honest:
// every variable the code reads has a row there, with its default.
func TestReadmeListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		rows[name] = strings.TrimSpace(cells[2])
	}
	for _, v := range Variables() {
		row, ok := rows[v.Name]
		if !ok {
			t.Errorf("README's settings table has no row for %s", v.Name)
			continue
		}
		switch {
		case v.Required && row != "*required*":
			t.Errorf("README: %s is required, but its default column says %s", v.Name, row)
		case !v.Required && v.Default != "" && row != "`"+v.Default+"`":
			t.Errorf("README: %s defaults to %q, but its default column says %s", v.Name, v.Default, row)
		}
	}
}

// TestReadmeNamesRealTests: every test, fuzz target and benchmark the
// README names exists, so its security and test sections cannot point at
// something that was renamed or never written.
func TestReadmeNamesRealTests(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var source strings.Builder
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		source.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`\b(?:Test|Fuzz|Benchmark)[A-Z0-9][A-Za-z0-9_]*`).FindAllString(string(readme), -1)
	if len(names) < 50 {
		t.Fatalf("found only %d test names in the README", len(names))
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_") {
			continue // a prefix, such as TestChecklist39_*
		}
		if !strings.Contains(source.String(), "func "+name+"(") {
			t.Errorf("README names %s, which no test file defines", name)
		}
	}
}
