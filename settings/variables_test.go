package settings

import (
	"regexp"
	"testing"
)

func TestVariablesTable(t *testing.T) {
	name := regexp.MustCompile(`^[A-Z][A-Z_]*$`)
	seen := make(map[string]bool)
	for _, v := range Variables() {
		if !name.MatchString(v.Name) || seen[v.Name] {
			t.Errorf("name %q is malformed or repeated", v.Name)
		}
		seen[v.Name] = true
		if v.Meaning == "" {
			t.Errorf("%s has no meaning", v.Name)
		}
		if v.Required && v.Default != "" {
			t.Errorf("%s is required yet has the default %q", v.Name, v.Default)
		}
	}
}

func TestVariablesReturnsCopy(t *testing.T) {
	Variables()[0].Default = "changed"
	if Variables()[0].Default == "changed" {
		t.Error("changing the result of Variables changed the table")
	}
}
