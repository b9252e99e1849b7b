package oauthtest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// gitHubOrg is one entry of GitHub's GET /user/orgs, in part.
type gitHubOrg struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
}

// gitHubTeam is one entry of GitHub's GET /user/teams, in part.
type gitHubTeam struct {
	ID           int64     `json:"id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	Organization gitHubOrg `json:"organization"`
}

// gitHubGroups splits a's groups the way GitHub has them: a name with a
// slash, org/team, is a team of that organisation; any other is an
// organisation. The organisation of each team is listed too, since a
// team's members belong to its organisation.
func gitHubGroups(a account) (orgs []gitHubOrg, teams []gitHubTeam) {
	addOrg := func(login string) gitHubOrg {
		org := gitHubOrg{ID: userID("org:" + login), Login: login}
		if !slices.Contains(orgs, org) {
			orgs = append(orgs, org)
		}
		return org
	}
	for _, group := range a.groups {
		org, team, isTeam := strings.Cut(group, "/")
		if !isTeam {
			addOrg(group)
			continue
		}
		teams = append(teams, gitHubTeam{ID: userID("team:" + group), Slug: team, Name: team, Organization: addOrg(org)})
	}
	return orgs, teams
}

// gitHubOrgs serves GET /user/orgs and GET /user/teams, GitHub's lists of
// the organisations and teams the user belongs to. Like GitHub, they need
// the read:org scope: without it, /user/orgs lists no organisation (GitHub
// would list only the memberships the user made public) and /user/teams
// is refused. Like GitHub, they answer 30 entries unless per_page asks for
// up to 100; only the first page is served.
func (p *Provider) gitHubOrgs(w http.ResponseWriter, r *http.Request) {
	if !hasUserAgent(w, r) {
		return
	}
	token, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	teamsAsked := strings.HasSuffix(r.URL.Path, "/teams")
	if !hasScope(token.scope, "read:org") {
		if teamsAsked {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "this endpoint needs the read:org scope"})
			return
		}
		writeJSON(w, http.StatusOK, []gitHubOrg{})
		return
	}
	perPage := 30
	if n, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	orgs, teams := gitHubGroups(token.account)
	if teamsAsked {
		writeJSON(w, http.StatusOK, append([]gitHubTeam{}, teams[:min(len(teams), perPage)]...))
		return
	}
	writeJSON(w, http.StatusOK, append([]gitHubOrg{}, orgs[:min(len(orgs), perPage)]...))
}

// gitLabUserinfo is what GitLab's UserInfo endpoint, /oauth/userinfo, says
// about a user, in part: groups are the paths of the user's groups.
type gitLabUserinfo struct {
	Subject           string   `json:"sub"`
	Name              string   `json:"name"`
	Nickname          string   `json:"nickname"`
	PreferredUsername string   `json:"preferred_username"`
	Email             string   `json:"email"`
	EmailVerified     bool     `json:"email_verified"`
	Groups            []string `json:"groups"`
}

// gitLabUserinfo serves GET /oauth/userinfo in the GitLab shape: what
// GitLab tells an app that asked for the openid scope, group paths
// included, even when the app logs in with plain OAuth2.
func (p *Provider) gitLabUserinfo(w http.ResponseWriter, r *http.Request) {
	token, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	if !hasScope(token.scope, "openid") {
		writeUserError(w, &userError{http.StatusForbidden, "insufficient_scope", "the access token was not issued for the scope openid"})
		return
	}
	a := token.account
	writeJSON(w, http.StatusOK, gitLabUserinfo{
		Subject: subject(a.user), Name: displayName(a.user), Nickname: a.user, PreferredUsername: a.user,
		Email: a.email, EmailVerified: !a.unverified, Groups: append([]string{}, a.groups...),
	})
}
