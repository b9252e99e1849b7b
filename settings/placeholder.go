package settings

import (
	"regexp"
)

// placeholderPattern finds what example files put where a value goes,
// ignoring case:
//
//   - fill-in or fill_in anywhere (fill-in-your-client-id, the form the
//     examples in env/ use, also inside a URL: https://fill-in-your-issuer);
//   - change-me, change_me or changeme, and replace-me in the same forms;
//   - a word that starts with your- or your_ (your-client-secret,
//     https://your-tenant.example);
//   - a <name> in angle brackets (<client-id>, .../<tenant-id>/v2.0).
//
// A real client ID, secret or URL holds none of these, and a random
// secret (base64 or hex) cannot, so the rule refuses no value that works.
var placeholderPattern = regexp.MustCompile(
	`(?i)fill[-_]in|change[-_]?me|replace[-_]?me|(^|[^a-z0-9])your[-_]|<[a-z0-9 _.-]+>`)

// isPlaceholder reports whether value still holds an example's
// placeholder, by placeholderPattern.
func isPlaceholder(value string) bool {
	return placeholderPattern.MatchString(value)
}

// publishedDevSecret is the SECRET that env/local/.env ships with. It is
// in the repository for anyone to read, so it keys nothing but the
// development provider's sessions, on one machine.
const publishedDevSecret = "local-development-only-session-key-0123456789"

// checkPlaceholders records a problem for each variable of the table set
// to an example's placeholder. A placeholder that passed the other
// checks would start an app that fails at the first login, or, in
// SECRET, keys every session with text printed in the repository.
func (c *checker) checkPlaceholders() {
	for _, v := range variables {
		if value, _ := c.lookup(v.Name); isPlaceholder(value) {
			c.problem(v.Name, "still holds an example's placeholder; set the real value")
		}
	}
}
