package oauthtest_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

// signInWith fills in the sign-in form of s, which must show it, with
// params as the authorization request and choices besides the user name,
// and returns the code the provider sends back.
func signInWith(t *testing.T, s *oauthtest.Server, params url.Values, user string, choices url.Values) string {
	t.Helper()
	fields := formFields(t, getAuthorize(t, s, params).body)
	for name, values := range choices {
		fields[name] = values
	}
	fields.Set("username", user)
	fields.Set("action", "approve")
	code := clientResponse(t, postAuthorize(t, s, fields)).Get("code")
	if code == "" {
		t.Fatal("no code in the authorization response")
	}
	return code
}

// chosen are choices a tester makes on the sign-in page: an address the
// provider has not verified, a group and a GitHub team.
var chosen = url.Values{
	"email":            {"ada@example.com"},
	"email_unverified": {"true"},
	"groups":           {"staff\r\n  acme/eng  \r\n\r\n"},
}

func TestSignInFormOffersTheAccountsChoices(t *testing.T) {
	s := start(t, formConfig())

	r := getAuthorize(t, s, authorizeParams())

	for _, want := range []string{
		`<input id="email" name="email" value=""`,
		`<input type="checkbox" id="email_unverified" name="email_unverified" value="true">`,
		`<textarea id="groups" name="groups"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// Every answer about the user says what the tester chose: the default
// shape's /user, and OpenID Connect's ID token and UserInfo, the groups
// only for the scope groups.
func TestChoicesReachEveryAnswer(t *testing.T) {
	cfg := openIDConfig()
	cfg.AutoApprove = ""
	s := start(t, cfg)

	var user map[string]any
	getJSONWith(t, s, "/user", exchange(t, s, signInWith(t, s, authorizeParams(), "ada", chosen)), &user)
	if user["email"] != "ada@example.com" || user["email_verified"] != false ||
		!reflect.DeepEqual(user["groups"], []any{"staff", "acme/eng"}) {
		t.Errorf("/user = %v, want the chosen address, unverified, and the groups staff and acme/eng", user)
	}

	for scope, wantGroups := range map[string]any{"openid email": nil, "openid email groups": []any{"staff", "acme/eng"}} {
		params := openIDParams()
		params.Set("scope", scope)
		r := postToken(t, s, tokenForm(signInWith(t, s, params, "ada", chosen)))
		var token tokenBody
		decodeJSON(t, r.body, &token)
		var userinfo map[string]any
		getJSONWith(t, s, "/userinfo", token.AccessToken, &userinfo)
		for name, claims := range map[string]map[string]any{"ID token": decodeJWT(t, token.IDToken).claims, "userinfo": userinfo} {
			if claims["email"] != "ada@example.com" || claims["email_verified"] != false || !reflect.DeepEqual(claims["groups"], wantGroups) {
				t.Errorf("scope %q: %s claims %v, want the chosen address, unverified, and groups %v", scope, name, claims, wantGroups)
			}
		}
	}
}

// Without choices an account is what it always was: name@example.test,
// verified, and no groups claim at all.
func TestDefaultAccountHasNoGroups(t *testing.T) {
	s := start(t, openIDConfig())
	params := openIDParams()
	params.Set("scope", "openid email groups")

	claims := decodeJWT(t, tokenFor(t, s, params).IDToken).claims

	if _, ok := claims["groups"]; ok || claims["email"] != "alice@example.test" || claims["email_verified"] != true {
		t.Errorf("claims %v, want alice@example.test, verified, and no groups", claims)
	}
}

func TestGitHubShapeReflectsTheChoices(t *testing.T) {
	cfg := gitHubConfig("")
	s := start(t, cfg)
	params := gitHubParams()
	params.Set("scope", "read:user user:email read:org")
	token := exchange(t, s, signInWith(t, s, params, "ada", chosen))

	var emails []map[string]any
	getJSONWith(t, s, "/user/emails", token, &emails)
	primary := emails[len(emails)-1]
	if primary["email"] != "ada@example.com" || primary["primary"] != true || primary["verified"] != false {
		t.Errorf("primary address %v, want the chosen one, unverified", primary)
	}
	var orgs, teams []map[string]any
	getJSONWith(t, s, "/user/orgs", token, &orgs)
	getJSONWith(t, s, "/user/teams", token, &teams)
	if len(orgs) != 2 || orgs[0]["login"] != "staff" || orgs[1]["login"] != "acme" {
		t.Errorf("organisations %v, want staff and acme, the team's", orgs)
	}
	if len(teams) != 1 || teams[0]["slug"] != "eng" || teams[0]["organization"].(map[string]any)["login"] != "acme" {
		t.Errorf("teams %v, want eng of acme", teams)
	}
}

// As at GitHub, the organisations and teams need the read:org scope, and
// come 30 at a time unless per_page asks for up to 100.
func TestGitHubGroupsNeedReadOrgAndComeInPages(t *testing.T) {
	s := start(t, gitHubConfig(""))
	var many []string
	for i := range 120 {
		many = append(many, "org"+strings.Repeat("x", i))
	}
	withoutScope := exchange(t, s, signInWith(t, s, gitHubParams(), "ada", url.Values{"groups": {"staff\nacme/eng"}}))
	var orgs []map[string]any
	getJSONWith(t, s, "/user/orgs", withoutScope, &orgs)
	if r := getUser(t, s, s.HTTP.URL+"/user/teams", "Bearer "+withoutScope); len(orgs) != 0 || r.status != http.StatusForbidden {
		t.Errorf("without read:org: organisations %v and teams %d %s, want none and 403", orgs, r.status, r.body)
	}

	params := gitHubParams()
	params.Set("scope", "read:org")
	token := exchange(t, s, signInWith(t, s, params, "ada", url.Values{"groups": {strings.Join(many, "\n")}}))
	for query, want := range map[string]int{"": 30, "?per_page=100": 100, "?per_page=1000": 100} {
		getJSONWith(t, s, "/user/orgs"+query, token, &orgs)
		if len(orgs) != want {
			t.Errorf("GET /user/orgs%s: %d organisations, want %d", query, len(orgs), want)
		}
	}
}

func TestGitLabUserinfoHasGroupPaths(t *testing.T) {
	cfg := config()
	cfg.Shape, cfg.AutoApprove = oauthtest.ShapeGitLab, ""
	s := start(t, cfg)
	params := authorizeParams()

	withoutOpenID := exchange(t, s, signInWith(t, s, params, "ada", chosen))
	if r := getUser(t, s, s.HTTP.URL+"/oauth/userinfo", "Bearer "+withoutOpenID); r.status != http.StatusForbidden {
		t.Errorf("without the scope openid: %d %s, want 403", r.status, r.body)
	}
	params.Set("scope", "read_user openid")
	var claims map[string]any
	getJSONWith(t, s, "/oauth/userinfo", exchange(t, s, signInWith(t, s, params, "ada", chosen)), &claims)
	var user map[string]any
	getJSONWith(t, s, "/user", withoutOpenID, &user)
	if claims["sub"] == "" || claims["sub"] != jsonID(user["id"]) || claims["email"] != "ada@example.com" ||
		claims["email_verified"] != false || !reflect.DeepEqual(claims["groups"], []any{"staff", "acme/eng"}) {
		t.Errorf("userinfo %v, want the user's id as sub, the chosen address, unverified, and the groups", claims)
	}
}

// jsonID is a JSON number id as a string, as sub holds it.
func jsonID(v any) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func TestSignInFormRefusesBadChoices(t *testing.T) {
	s := start(t, formConfig())
	for name, choices := range map[string]url.Values{
		"an address with a line break": {"email": {"ada@example.com\nevent=forged"}},
		"an address over 256 bytes":    {"email": {strings.Repeat("a", 250) + "@example.com"}},
		"a group over 256 bytes":       {"groups": {strings.Repeat("g", 257)}},
		"over 1000 groups":             {"groups": {strings.Repeat("g\n", 1001)}},
		"a group with a control":       {"groups": {"staff\x00"}},
		"the address twice":            {"email": {"a@example.com", "b@example.com"}},
	} {
		fields := formFields(t, getAuthorize(t, s, authorizeParams()).body)
		for field, values := range choices {
			fields[field] = values
		}
		fields.Set("username", "ada")
		fields.Set("action", "approve")
		r := postAuthorize(t, s, fields)
		if r.status != http.StatusBadRequest || r.header.Get("Location") != "" || !strings.Contains(r.body, `id="problem"`) {
			t.Errorf("%s: status %d, Location %q; want 400 and the form again with the problem", name, r.status, r.header.Get("Location"))
		}
	}
}
