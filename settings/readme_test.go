package settings

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeListsEveryVariable keeps the settings table of this folder's
// README honest: every variable the code reads has a row there, with its
// default.
func TestReadmeListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
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
