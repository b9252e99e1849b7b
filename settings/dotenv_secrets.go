package settings

import "fmt"

// isSecretVariable reports the variables whose values Settings holds as a
// [Secret], so that the start-up log shows them as "[redacted]".
// TestSecretVariablesAreTheSecretFields fails when a Secret field is added
// to Settings without its variable here.
func isSecretVariable(name string) bool {
	switch name {
	case "CLIENT_SECRET", "SECRET", "REDIS_URL":
		return true
	}
	return false
}

// secretExpansionProblems lists the settings that bindings, read from the
// .env file at path, fill with a secret through ${...}. Every setting but
// the secret ones is logged at start-up, so each such line would put the
// secret in the log. Keys that are not settings may hold anything.
func secretExpansionProblems(path string, bindings map[string]dotenvBinding) []string {
	var problems []string
	for _, v := range variables {
		b, ok := bindings[v.Name]
		if !ok || isSecretVariable(v.Name) {
			continue
		}
		for _, source := range b.expandedFrom {
			if isSecretVariable(source) {
				problems = append(problems, fmt.Sprintf(
					"%s: %s:%d expands the secret %s, but %s is logged at start-up; a secret may be expanded only into another secret setting",
					v.Name, path, b.line, source, v.Name))
			}
		}
	}
	return problems
}
