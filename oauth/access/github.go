package access

import (
	"context"
	"strings"

	"oauthlogin/oauth"
)

// GitHub is the [Source] of GitHub, which is plain OAuth2: it reads
// GitHub's REST API with the login's token.
//
//   - Addresses: every address on the account that GitHub has verified,
//     the primary one or not, from /user/emails (scope user:email): the
//     person proved they read mail there. An address not verified never
//     counts, primary or not.
//   - Groups: the organisations the person belongs to, from /user/orgs,
//     and their teams, from /user/teams, named org/team (scope read:org
//     for both). GitHub treats these names without regard to case, so
//     they are given in lower case, and the rules compare them so.
//
// One page of each list is read, 100 entries: a person with more
// addresses, organisations or teams than that may be refused.
type GitHub struct {
	// APIURL is the API's root: https://api.github.com, or a GitHub
	// Enterprise Server's https://HOST/api/v3.
	APIURL string
}

// gitHubPage asks for GitHub's largest page.
const gitHubPage = "?per_page=100"

// Facts implements [Source].
func (s GitHub) Facts(ctx context.Context, c *oauth.Client, tok *oauth.Token, _ oauth.User, need Need) (Facts, error) {
	api := strings.TrimSuffix(s.APIURL, "/")
	var f Facts
	if need.Emails {
		var emails []struct {
			Email    string `json:"email"`
			Verified bool   `json:"verified"`
		}
		if err := getJSON(ctx, c, tok, api+"/user/emails"+gitHubPage, &emails); err != nil {
			return Facts{}, err
		}
		for _, e := range emails {
			if e.Verified {
				f.Emails = append(f.Emails, e.Email)
			}
		}
	}
	if need.Groups {
		var orgs []struct {
			Login string `json:"login"`
		}
		var teams []struct {
			Slug         string `json:"slug"`
			Organization struct {
				Login string `json:"login"`
			} `json:"organization"`
		}
		if err := getJSON(ctx, c, tok, api+"/user/orgs"+gitHubPage, &orgs); err != nil {
			return Facts{}, err
		}
		if err := getJSON(ctx, c, tok, api+"/user/teams"+gitHubPage, &teams); err != nil {
			return Facts{}, err
		}
		for _, o := range orgs {
			f.Groups = append(f.Groups, strings.ToLower(o.Login))
		}
		for _, t := range teams {
			f.Groups = append(f.Groups, strings.ToLower(t.Organization.Login+"/"+t.Slug))
		}
	}
	return f, nil
}

// Calls implements [Source]: the addresses, and the organisations and
// the teams.
func (GitHub) Calls(need Need) int {
	calls := 0
	if need.Emails {
		calls++
	}
	if need.Groups {
		calls += 2
	}
	return calls
}

// caseless reports whether src names groups without regard to case, so
// that the rules must compare them in lower case too.
func caseless(src Source) bool {
	_, ok := src.(GitHub)
	return ok
}
