package settings

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"oauthlogin/oauth/access"
)

// Access is who may log in: a person who matches any entry of any list.
// With every list empty, everyone with an account at the provider is
// admitted. Package oauth/access applies the lists; README.md's "Who may
// log in" says how.
type Access struct {
	Users        []string // ALLOWED_USERS: the provider's stable account ids
	EmailDomains []string // ALLOWED_EMAIL_DOMAINS: lower case, *.domain for subdomains
	Groups       []string // ALLOWED_GROUPS: as the provider names them
	GroupsClaim  string   // GROUPS_CLAIM: the claim that holds the groups with OpenID Connect
}

// Any reports whether any list is set: whether there are rules at all.
func (a Access) Any() bool {
	return len(a.Users)+len(a.EmailDomains)+len(a.Groups) > 0
}

// LogValue implements [slog.LogValuer].
func (a Access) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("allowed_users", a.Users),
		slog.Any("allowed_email_domains", a.EmailDomains),
		slog.Any("allowed_groups", a.Groups),
		slog.String("groups_claim", a.GroupsClaim),
	)
}

// maxAllowedEntries bounds each list: more would be a file pasted into a
// variable, and the rules keep every entry in memory.
const maxAllowedEntries = 1000

// access reads who may log in. s holds the OAuth settings already: account
// ids and group names are checked as the provider spells them, and the
// scope gets what the provider needs to say what the rules ask.
func (c *checker) access(s *Settings) {
	provider := s.OAuth.Provider
	numericIDs := provider == ProviderGitHub || provider == ProviderGitLab
	a := &s.Access
	a.Users = c.list("ALLOWED_USERS", func(id string) (string, error) {
		if numericIDs && !isAccountNumber(id) {
			return "", fmt.Errorf("must be a numeric %s account id, not a login name "+
				"(the refusal page shows a person's id)", provider)
		}
		return id, access.CheckUser(id)
	})
	a.EmailDomains = c.list("ALLOWED_EMAIL_DOMAINS", access.ParseDomain)
	a.Groups = c.list("ALLOWED_GROUPS", func(group string) (string, error) {
		if provider == ProviderGitHub && !isGitHubGroup(group) {
			return "", errors.New("must be a GitHub organisation (acme) or team (acme/eng): " +
				"letters, digits, '-', '_' and '.', with at most one '/'")
		}
		return group, access.CheckGroup(group)
	})
	a.GroupsClaim = c.text("GROUPS_CLAIM")
	c.check(isClaimName(a.GroupsClaim), "GROUPS_CLAIM",
		"must be 1 to 256 printable ASCII characters without spaces, such as groups or https://example.com/roles")
	_, claimGiven := c.lookup("GROUPS_CLAIM")
	c.check(!claimGiven || provider != ProviderGitHub, "GROUPS_CLAIM",
		"is not read with PROVIDER=github, whose groups are its organisations and teams")
	c.check(len(a.Groups) == 0 || provider != ProviderGoogle, "ALLOWED_GROUPS",
		"cannot be used with PROVIDER=google: Google's ID tokens name no groups; "+
			"ALLOWED_EMAIL_DOMAINS admits a Google Workspace domain")
	c.accessScope(s)
}

// accessScope makes the provider's scope ask for what the rules read:
// GitHub's organisations and teams need read:org, and its addresses
// user:email; GitLab says addresses and groups in UserInfo, for the
// scopes openid and email; OpenID Connect has no standard scope for
// groups, and the providers that release a groups claim (Dex, Okta,
// Authelia, the development provider) do so for the scope groups. The
// scope grows only when the rules need it, and only when SCOPE is the
// profile's: a SCOPE given explicitly is what the provider gets, and must
// then hold what GitHub and GitLab are known to need.
func (c *checker) accessScope(s *Settings) {
	a, o := s.Access, &s.OAuth
	var needed []string
	switch {
	case o.Provider == ProviderGitHub:
		if len(a.EmailDomains) > 0 {
			needed = append(needed, "user:email")
		}
		if len(a.Groups) > 0 {
			needed = append(needed, "read:org")
		}
	case o.Provider == ProviderGitLab:
		if len(a.EmailDomains) > 0 || len(a.Groups) > 0 {
			needed = append(needed, "openid")
		}
		if len(a.EmailDomains) > 0 {
			needed = append(needed, "email")
		}
	case o.Issuer != "" && len(a.Groups) > 0:
		if _, given := c.lookup("SCOPE"); !given {
			o.Scope = addScopes(o.Scope, "groups")
		}
		return
	}
	if _, given := c.lookup("SCOPE"); !given {
		o.Scope = addScopes(o.Scope, needed...)
		return
	}
	for _, scope := range needed {
		c.check(slices.Contains(strings.Fields(o.Scope), scope), "SCOPE",
			fmt.Sprintf("must include %s for the ALLOWED_ rules with PROVIDER=%s", scope, o.Provider))
	}
}

// addScopes adds to scope those of extra it lacks.
func addScopes(scope string, extra ...string) string {
	fields := strings.Fields(scope)
	for _, e := range extra {
		if !slices.Contains(fields, e) {
			fields = append(fields, e)
		}
	}
	return strings.Join(fields, " ")
}

// list reads a comma-separated list, each entry trimmed of spaces and
// checked by parse, which returns its canonical form. A problem names the
// entry by its place, never its value.
func (c *checker) list(name string, parse func(string) (string, error)) []string {
	var list []string
	for i, entry := range strings.Split(c.text(name), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		canonical, err := parse(entry)
		if err != nil {
			// The access package's errors quote the entry; its reason
			// is what it wraps.
			if reason := errors.Unwrap(err); reason != nil {
				err = reason
			}
			c.problem(name, fmt.Sprintf("entry %d: %v", i+1, err))
			return nil
		}
		if len(list) == maxAllowedEntries {
			c.problem(name, fmt.Sprintf("must have at most %d entries", maxAllowedEntries))
			return nil
		}
		if !slices.Contains(list, canonical) {
			list = append(list, canonical)
		}
	}
	return list
}

// isAccountNumber reports whether id is a positive decimal number without
// leading zeros, as GitHub's and GitLab's account ids are written.
func isAccountNumber(id string) bool {
	return id != "" && id[0] != '0' && strings.Trim(id, "0123456789") == "" && len(id) <= 20
}

// isGitHubGroup reports whether name can be a GitHub organisation, or
// organisation/team.
func isGitHubGroup(name string) bool {
	parts := strings.Split(name, "/")
	if len(parts) > 2 {
		return false
	}
	for _, part := range parts {
		if part == "" || strings.Trim(part, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
			return false
		}
	}
	return true
}

// isClaimName reports whether name can name a JSON claim here: printable
// ASCII without spaces, as short names and the URLs some providers use
// for their own claims are.
func isClaimName(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
