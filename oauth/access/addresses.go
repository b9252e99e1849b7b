package access

import (
	"errors"
	"fmt"
	"strings"
)

// The bounds of a domain name (RFC 1035 §2.3.4).
const (
	maxDomainLength = 253
	maxLabelLength  = 63
)

// ParseDomain reads one entry of the e-mail domains a rule admits, and
// returns it in its one canonical form, lower case: a domain such as
// example.com, which matches addresses at exactly that domain, or
// *.example.com, which matches addresses at its subdomains but not at
// example.com itself.
//
// It takes ASCII alone. An internationalised domain is written in its
// ASCII form, each such label starting with xn-- (RFC 5890 §2.3.2.1): the
// standard library has no tables to turn Unicode into that form, and two
// forms of one domain would be two ways to get a comparison wrong. So an
// address whose domain is not ASCII never matches, which also keeps out
// look-alikes such as exаmple.com with a Cyrillic а. A trailing dot, which
// names the same domain, is refused for the same reason.
func ParseDomain(s string) (string, error) {
	name, wildcard := strings.CutPrefix(s, "*.")
	if err := checkDomain(name); err != nil {
		return "", fmt.Errorf("e-mail domain %q: %w", s, err)
	}
	if wildcard {
		return "*." + strings.ToLower(name), nil
	}
	return strings.ToLower(name), nil
}

// checkDomain accepts a host name of letters, digits and hyphens in at
// least two labels (RFC 1123 §2.1), of any case.
func checkDomain(name string) error {
	if name == "" || len(name) > maxDomainLength {
		return fmt.Errorf("not 1 to %d characters", maxDomainLength)
	}
	if strings.HasSuffix(name, ".") {
		return errors.New("ends with a dot: write the domain without it")
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return errors.New("has a single label: name a whole domain, such as example.com")
	}
	for _, label := range labels {
		for _, c := range []byte(label) {
			if !isLetterOrDigit(c) && c != '-' {
				return errors.New("has a character other than ASCII letters, digits, hyphens and dots; " +
					"write an internationalised domain in its xn-- form")
			}
		}
		if label == "" || len(label) > maxLabelLength || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("has a label that is not 1 to %d letters, digits and inner hyphens", maxLabelLength)
		}
	}
	return nil
}

func isLetterOrDigit(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// addressDomain returns the domain of an e-mail address, in lower case,
// or false when the address is not one this package will match on.
//
// Only the plain form counts: local@domain, with exactly one '@', a local
// part of the characters RFC 5322 §3.2.3 allows in a dot-atom, and a
// domain as [ParseDomain] takes it. So a quoted local part
// ("a@example.com"@evil.com), a comment (a(x)@example.com), a route
// (@example.com:a@evil.com), a second '@' (a@evil.com@example.com), a
// trailing dot (a@example.com.) and any non-ASCII domain are refused,
// rather than read the way one mail system might and another might not:
// a checker that takes the last '@', and a mailer that takes the first,
// disagree about whose address a@evil.com@example.com is.
func addressDomain(address string) (string, bool) {
	local, domain, found := strings.Cut(address, "@")
	if !found || local == "" || strings.Contains(domain, "@") {
		return "", false
	}
	for _, atom := range strings.Split(local, ".") {
		if atom == "" || strings.IndexFunc(atom, notAtomText) >= 0 {
			return "", false
		}
	}
	if checkDomain(domain) != nil {
		return "", false
	}
	return strings.ToLower(domain), true
}

// notAtomText reports whether r may not appear in an atom of the local
// part (RFC 5322 §3.2.3 atext): no quotes, parentheses, angle brackets,
// commas, colons, semicolons, backslashes, brackets, spaces, controls or
// non-ASCII characters.
func notAtomText(r rune) bool {
	return r > 0x7e || !(isLetterOrDigit(byte(r)) || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r))
}

// matchesDomain reports whether domain, in lower case, is matched by
// entry, a canonical result of ParseDomain.
func matchesDomain(entry, domain string) bool {
	if parent, ok := strings.CutPrefix(entry, "*."); ok {
		return strings.HasSuffix(domain, "."+parent)
	}
	return domain == entry
}
