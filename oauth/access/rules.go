package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

// Config is what [New] makes Rules from. A list left empty is no rule;
// with every list empty there is nothing to check, and New refuses.
type Config struct {
	// Issuer is the provider's name in oauth.User.Issuer
	// (oauth.Client.IssuerName). An account of another issuer never
	// matches Users, whatever its id: ids are unique per provider only.
	Issuer string

	// Users are accounts by the provider's stable id, oauth.User.Subject:
	// GitHub's numeric id, OpenID Connect's sub. Never a login name: a
	// name can be given up and registered by someone else, an id cannot.
	Users []string

	// EmailDomains are domains as [ParseDomain] takes them: example.com,
	// or *.example.com for its subdomains. An address counts only when the
	// provider says it has verified it.
	EmailDomains []string

	// Groups are group names, compared exactly, case included, except
	// with the [GitHub] source, whose names are compared in lower case.
	Groups []string

	// Facts finds out the addresses and groups; required with
	// EmailDomains or Groups.
	Facts Source

	// Logger receives the records of sessions the rules end; slog.Default()
	// when nil.
	Logger *slog.Logger
}

// Rules are who may log in. They are safe for concurrent use.
type Rules struct {
	issuer  string
	users   []string
	domains []string // canonical, from ParseDomain
	groups  []string
	source  Source
	kinds   []string // the kinds of rule set, for the log
	version string   // a digest of all the above: see Require
	logger  *slog.Logger
}

// The kinds of rule, as the log names them.
const (
	kindUsers        = "users"
	kindEmailDomains = "email_domains"
	kindGroups       = "groups"
)

// New checks cfg and returns its Rules. Every entry is checked as settings
// check them at start-up, so that a mistake stops the program there
// rather than refusing everyone.
func New(cfg Config) (*Rules, error) {
	r := &Rules{issuer: cfg.Issuer, users: slices.Clone(cfg.Users), source: cfg.Facts, logger: cfg.Logger}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	var errs []error
	for _, id := range cfg.Users {
		errs = append(errs, CheckUser(id))
	}
	for _, d := range cfg.EmailDomains {
		canonical, err := ParseDomain(d)
		errs = append(errs, err)
		r.domains = append(r.domains, canonical)
	}
	for _, g := range cfg.Groups {
		errs = append(errs, CheckGroup(g))
		if caseless(cfg.Facts) {
			g = strings.ToLower(g)
		}
		r.groups = append(r.groups, g)
	}
	if len(r.domains) > 0 {
		r.kinds = append(r.kinds, kindEmailDomains)
	}
	if len(r.groups) > 0 {
		r.kinds = append(r.kinds, kindGroups)
	}
	if len(r.users) > 0 {
		r.kinds = append(r.kinds, kindUsers)
	}
	switch {
	case len(r.kinds) == 0:
		errs = append(errs, errors.New("every list is empty: to admit everyone, use no Rules at all"))
	case cfg.Facts == nil && (len(r.domains) > 0 || len(r.groups) > 0):
		errs = append(errs, errors.New("e-mail domains and groups need a Source of facts"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("access rules: %w", err)
	}
	r.version = r.digest()
	return r, nil
}

// CheckUser checks an account id for Config.Users: 1 to 255 bytes
// (OpenID Connect Core §2 bounds sub so) of text without spaces, commas or
// control characters, which no provider's ids contain and which would
// only be a mistake in a list. Its error wraps a reason without the id.
func CheckUser(id string) error {
	if id == "" || len(id) > maxIDLength || !utf8.ValidString(id) || strings.ContainsFunc(id, isSpaceCommaOrControl) {
		return fmt.Errorf("account id %q: %w", id, errBadUser)
	}
	return nil
}

// CheckGroup checks a group's name for Config.Groups: 1 to 256 bytes of
// text without commas or control characters, and without spaces at its
// ends. Its error wraps a reason without the name.
func CheckGroup(name string) error {
	if name == "" || len(name) > maxFactLength || !utf8.ValidString(name) || strings.TrimSpace(name) != name ||
		strings.ContainsFunc(name, func(r rune) bool { return r == ',' || unicode.IsControl(r) }) {
		return fmt.Errorf("group %q: %w", name, errBadGroup)
	}
	return nil
}

// The reasons CheckUser and CheckGroup give.
var (
	errBadUser  = fmt.Errorf("not 1 to %d bytes without spaces, commas or control characters", maxIDLength)
	errBadGroup = fmt.Errorf("not 1 to %d bytes without commas, control characters or spaces at its ends", maxFactLength)
)

func isSpaceCommaOrControl(r rune) bool {
	return r == ',' || unicode.IsSpace(r) || unicode.IsControl(r)
}

// Kinds names the kinds of rule set, as the log does: "email_domains",
// "groups", "users".
func (r *Rules) Kinds() []string { return slices.Clone(r.kinds) }

// Calls is the most calls to the provider Admit makes, each bounded by
// the oauth.Client's timeout. They come on top of the Client's
// MaxCallbackTime: count them in the server's write timeout.
func (r *Rules) Calls() int {
	if need := r.need(); need != (Need{}) {
		return r.source.Calls(need)
	}
	return 0
}

// Admit is the oauth.Admit of the rules; put it in oauth.LoginOptions. It
// asks the Source for the facts the rules need, then admits the person if
// any entry of any list matches, and keeps in the session what matched,
// with the rules' version, for [Rules.Require] to check again. A person
// who matches nothing is refused with an *oauth.Denial that names the
// kinds of rule tried.
//
// Every kind of rule is tried, even once one matches, so that what is kept
// still admits the person if the rules change later and only another
// kind would. A login whose provider cannot say what the rules need fails
// as a failed call to the provider: the rules can only be checked, never
// guessed.
func (r *Rules) Admit(ctx context.Context, c *oauth.Client, tok *oauth.Token, u oauth.User) (func(*session.Values) error, error) {
	var f Facts
	if need := r.need(); need != (Need{}) {
		var err error
		if f, err = r.source.Facts(ctx, c, tok, u, need); err != nil {
			return nil, fmt.Errorf("access rules: %w", err)
		}
	}
	if len(f.Groups) > maxGroups {
		r.logger.Warn("more groups than the rules read; none is used", "event", "groups_over_bound",
			"groups", len(f.Groups), "bound", maxGroups)
		f.Groups = nil
	}
	matched, ok := r.match(u, f)
	if !ok {
		return nil, &oauth.Denial{Rules: r.Kinds()}
	}
	return matched.keep(r.version), nil
}

// need says which facts the rules ask the Source for.
func (r *Rules) need() Need {
	return Need{Emails: len(r.domains) > 0, Groups: len(r.groups) > 0}
}

// match returns the facts that match the rules, and whether u is
// admitted: by id, or by one of those facts.
func (r *Rules) match(u oauth.User, f Facts) (matched Facts, ok bool) {
	ok = u.Issuer == r.issuer && slices.Contains(r.users, u.Subject)
	for _, address := range f.Emails {
		domain, plain := addressDomain(address)
		if plain && len(address) <= maxFactLength && slices.ContainsFunc(r.domains, func(entry string) bool {
			return matchesDomain(entry, domain)
		}) {
			matched.Emails, ok = append(matched.Emails, address), true
		}
	}
	for _, group := range f.Groups {
		if slices.Contains(r.groups, group) {
			matched.Groups, ok = append(matched.Groups, group), true
		}
	}
	return matched, ok
}

// digest is a short digest of the rules: two Rules with the same lists,
// issuer and source have the same one. The session keeps it, so that a
// session made under other rules can be told by one comparison.
func (r *Rules) digest() string {
	h := sha256.New()
	for _, list := range [][]string{{r.issuer}, r.users, r.domains, r.groups, {fmt.Sprintf("%T%+v", r.source, r.source)}} {
		sorted := slices.Sorted(slices.Values(list))
		fmt.Fprintf(h, "%d\x00%s\x00", len(sorted), strings.Join(sorted, "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
