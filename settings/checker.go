package settings

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checker reads variables from a map, applying the provider profile's
// defaults and then the table's, and collects a problem for each one that
// is wrong.
type checker struct {
	// vars is read only through lookup, so that read names every
	// variable the settings were made from.
	vars     map[string]string
	read     map[string]bool
	profile  map[string]string // defaults of the chosen PROVIDER
	problems []string
	failed   map[string]bool
}

func newChecker(vars map[string]string) *checker {
	return &checker{vars: vars, read: make(map[string]bool), failed: make(map[string]bool)}
}

// lookup returns name's value as given, and notes that it was read. Load
// uses the notes to keep secrets out of every value the start-up log
// shows, including those derived from variables outside the table, such
// as HOME.
func (c *checker) lookup(name string) (value string, ok bool) {
	c.read[name] = true
	value, ok = c.vars[name]
	return value, ok
}

// given returns name's value as given, "" when unset.
func (c *checker) given(name string) string {
	value, _ := c.lookup(name)
	return value
}

// problem records that name is wrong, once: a variable with a problem
// gets no second one, so that a value that failed to parse is not also
// reported as out of range. message must not contain the value.
func (c *checker) problem(name, message string) {
	if c.failed[name] {
		return
	}
	c.problems = append(c.problems, name+": "+message)
	c.failed[name] = true
}

// check records a problem for name unless ok.
func (c *checker) check(ok bool, name, message string) {
	if !ok {
		c.problem(name, message)
	}
}

// err returns the problems found so far as a *ValidationError, or nil.
func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: c.problems}
}

// text returns name's value, or its default when unset or empty.
func (c *checker) text(name string) string {
	if value := c.given(name); value != "" {
		return value
	}
	if value, ok := c.profile[name]; ok {
		return value
	}
	return defaultFor(name)
}

// param returns the value of a variable that names an OAuth request
// parameter. Unlike text, it keeps an explicitly empty value, which means
// "do not send the parameter".
func (c *checker) param(name string) string {
	if value, ok := c.lookup(name); ok {
		return value
	}
	if value, ok := c.profile[name]; ok {
		return value
	}
	return defaultFor(name)
}

// required returns name's value, recording a problem when it is empty. A
// profile may supply it (the development provider derives REDIRECT_URL);
// the table never does.
func (c *checker) required(name string) string {
	value := c.given(name)
	if value == "" {
		value = c.profile[name]
	}
	c.check(value != "", name, "must be set")
	return value
}

func (c *checker) boolean(name string) bool {
	value, err := strconv.ParseBool(c.text(name))
	c.check(err == nil, name, "must be true or false")
	return value
}

func (c *checker) duration(name string) time.Duration {
	value, err := time.ParseDuration(c.text(name))
	c.check(err == nil, name, "must be a duration such as 90s, 30m or 8h")
	return value
}

func (c *checker) oneOf(name string, allowed ...string) string {
	value := c.text(name)
	c.check(slices.Contains(allowed, value), name, "must be one of "+strings.Join(allowed, ", "))
	return value
}

// requiredURL returns a required URL after checking it with rule.
func (c *checker) requiredURL(name string, rule func(string) error) string {
	value := c.required(name)
	c.checkURL(name, value, rule)
	return value
}

// optionalURL returns a URL, from the variable or the profile, that may be
// empty, after checking it with rule.
func (c *checker) optionalURL(name string, rule func(string) error) string {
	value := c.text(name)
	c.checkURL(name, value, rule)
	return value
}

// endpointURL returns one of the provider's endpoint URLs. It may be empty
// only when discovery can find it: when an OpenID Connect issuer is set.
func (c *checker) endpointURL(name string, discoverable bool) string {
	value := c.text(name)
	c.check(value != "" || discoverable, name,
		"must be set (or set PROVIDER to a provider whose profile has it, or ISSUER to discover it)")
	c.checkURL(name, value, checkProviderURL)
	return value
}

func (c *checker) checkURL(name, value string, rule func(string) error) {
	if value == "" {
		return
	}
	if err := rule(value); err != nil {
		c.problem(name, err.Error())
	}
}

// fieldPath returns a dotted path into the profile JSON, or "" for the
// built-in choice.
func (c *checker) fieldPath(name string) string {
	value := c.text(name)
	c.check(value == "" || checkFieldPath(value), name,
		"must be a dotted path of names made of letters, digits, '_' and '-', such as data.attributes.login")
	return value
}

// prefixes reads a comma-separated list of addresses and CIDR blocks; a
// lone address is a block of one.
func (c *checker) prefixes(name string) []netip.Prefix {
	var list []netip.Prefix
	for _, item := range strings.Split(c.text(name), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(item)
		if err != nil {
			addr, addrErr := netip.ParseAddr(item)
			if addrErr != nil {
				c.problem(name, "must be a comma-separated list of IP addresses or CIDR blocks, such as 10.0.0.0/8")
				return nil
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		list = append(list, prefix.Masked())
	}
	return list
}
