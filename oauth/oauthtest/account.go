package oauthtest

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// account is who signs in: a user name, and what the sign-in page let the
// tester choose about them. An app's rules on e-mail addresses and groups
// can then be tried, and seen refusing someone, without a real provider.
// The provider says the same in every answer about the user: GET /user,
// GET /user/emails, the GitHub shape's organisations and teams, the ID
// token and UserInfo.
type account struct {
	user       string
	email      string   // the primary address; user@example.test unless chosen
	unverified bool     // whether the provider says it has not verified email
	groups     []string // none unless chosen
}

// Bounds on what a tester can choose, so that a long-running development
// server keeps only so much, while a test can still send a group list far
// larger than any app should accept.
const (
	maxChoiceBytes = 256  // an address, or one group's name
	maxGroups      = 1000 // groups of one account
)

// defaultAccount is the account of a user signed in without choices: the
// address user@example.test, verified, and no groups.
func defaultAccount(user string) account {
	return account{user: user, email: emailAddress(user)}
}

// accountFromForm reads the sign-in form's choices for user: the e-mail
// address (empty for the default one), whether it is unverified, and the
// groups, one a line. Any text is allowed in them, hostile addresses
// included, since refusing those is what an app's rules are tested for;
// only lengths and control characters are bounded. problem says what is
// wrong, or is "".
func accountFromForm(user string, form url.Values) (a account, problem string) {
	a = defaultAccount(user)
	if email := form.Get("email"); email != "" {
		if !validChoice(email) {
			return a, "An e-mail address is at most 256 bytes of text, without control characters."
		}
		a.email = email
	}
	a.unverified = form.Get("email_unverified") == "true"
	for line := range strings.Lines(form.Get("groups")) {
		group := strings.TrimSpace(line)
		if group == "" {
			continue
		}
		if !validChoice(group) || len(a.groups) == maxGroups {
			return a, "Groups are at most 1000 lines of at most 256 bytes each, without control characters."
		}
		a.groups = append(a.groups, group)
	}
	return a, ""
}

// validChoice reports whether s can be an address or a group's name here:
// at most maxChoiceBytes of UTF-8 text without control characters, which
// could forge lines in an app's logs.
func validChoice(s string) bool {
	return len(s) <= maxChoiceBytes && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}
