package settings

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// isSecretVariable reports the variables whose values Settings holds as a
// [Secret], so that the start-up log shows them as "[redacted]".
// TestSecretVariablesAreTheSecretFields fails when a Secret field is added
// to Settings without its variable here.
func isSecretVariable(name string) bool {
	switch name {
	case "CLIENT_SECRET", "SECRET", "SECRET_PREVIOUS", "REDIS_URL":
		return true
	}
	return false
}

// secretExpansionProblems lists the variables that parse read (read) and
// that bindings, from the .env file at path, fill with a secret through
// ${...}. Whatever parse reads goes into the settings, which are logged
// at start-up but for the secret fields: a variable of the table such as
// SCOPE, and also one the table does not list, such as HOME, which
// SESSION_DIR's default is made from. Deriving the list from what parse
// read keeps it whole as Parse learns new variables. Keys that are not
// read may hold anything.
func secretExpansionProblems(path string, bindings map[string]dotenvBinding, read map[string]bool) []string {
	names := slices.SortedFunc(maps.Keys(read), func(a, b string) int {
		return cmp.Or(cmp.Compare(bindings[a].line, bindings[b].line), cmp.Compare(a, b))
	})
	var problems []string
	for _, name := range names {
		b, ok := bindings[name]
		if !ok || isSecretVariable(name) {
			continue
		}
		for _, source := range slices.Sorted(slices.Values(b.tracked)) {
			problems = append(problems, fmt.Sprintf(
				"%s: %s:%d expands the secret %s, but %s goes into the settings logged at start-up; "+
					"a secret may be expanded only into another secret setting",
				name, path, b.line, source, name))
		}
	}
	return problems
}
