package access

import (
	"context"

	"oauthlogin/oauth"
)

// A Source finds out what the provider says about a person besides who
// they are: the e-mail addresses it has verified, and the groups the
// person belongs to. [Claims] reads OpenID Connect claims; [GitHub] reads
// GitHub's API.
type Source interface {
	// Facts returns what need asks for about u, whose login gave tok, at
	// the callback ([Rules.Admit]). It may call the provider's API with tok
	// through c. An error fails the login as a failed call to the provider;
	// it must not contain the token.
	Facts(ctx context.Context, c *oauth.Client, tok *oauth.Token, u oauth.User, need Need) (Facts, error)

	// Calls is the most calls to the provider Facts makes for need.
	Calls(need Need) int
}

// Need says which facts the rules ask for: the addresses for
// EmailDomains, the groups for Groups.
type Need struct {
	Emails, Groups bool
}

// Facts are what a Source found out.
type Facts struct {
	// Emails are the addresses the provider says it has verified, as it
	// gave them. An address it has not verified is whatever the person
	// typed, and must never be here.
	Emails []string `json:"emails,omitempty"`

	// Groups are the groups the person belongs to, as the provider names
	// them.
	Groups []string `json:"groups,omitempty"`
}

// The bounds on the facts a login may bring: a provider that sends more
// is broken or hostile, and what matched is kept in the session.
const (
	maxGroups     = 200 // groups of one person; more and none are used
	maxFactLength = 256 // bytes of one address or one group's name
	maxIDLength   = 255 // bytes of an account id (OpenID Connect Core §2 bounds sub so)
)
