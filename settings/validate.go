package settings

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// ValidationError lists every problem found in the settings, so all of
// them can be fixed in one pass. Each problem starts with the variable's
// name and never contains its value.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid settings:\n" + strings.Join(e.Problems, "\n")
}

var (
	// environmentPattern keeps ENVIRONMENT a single directory name, so it
	// cannot climb out of env/ with "..", "/" or "\".
	environmentPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

	// cookieNamePattern is a subset of the token syntax of RFC 9110 that
	// needs no explaining.
	cookieNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// checkEnvironment tells whether name may select a directory under env/.
func checkEnvironment(name string) error {
	if !environmentPattern.MatchString(name) {
		return fmt.Errorf("must match %s, since it names a directory under env/", environmentPattern)
	}
	return nil
}

// checkProviderURL applies the rules every URL shares. Plain http is
// allowed for loopback hosts only, because there the traffic never leaves
// the machine; anywhere else it would expose codes and tokens.
func checkProviderURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" ||
		(u.Scheme != "https" && (u.Scheme != "http" || !isLoopbackHost(u.Hostname()))) {
		return errors.New("must be an absolute https URL (plain http is allowed only for loopback hosts)")
	}
	if u.User != nil {
		return errors.New("must not contain a user name or password")
	}
	// A fragment is never sent to a server, so one here is a mistake.
	if strings.Contains(raw, "#") {
		return errors.New("must not contain a fragment (#...)")
	}
	return nil
}

// checkRedirectURL adds the rules for this app's own callback URL: it
// must reach the callback route, and the provider adds the query.
func checkRedirectURL(raw string) error {
	if err := checkProviderURL(raw); err != nil {
		return err
	}
	u, _ := url.Parse(raw) // checkProviderURL has parsed it already
	if u.EscapedPath() != CallbackPath {
		return fmt.Errorf("path must be exactly %s, the app's callback route", CallbackPath)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return errors.New("must not contain a query")
	}
	return nil
}

// isPlainHTTP reports whether raw is an http URL, however its scheme is
// written (url.Parse lowers it). An unparsable URL counts as not plain
// http: the safe answer where it decides the cookie's Secure attribute.
func isPlainHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "http"
}

// isLoopbackURL reports whether raw parses and names a loopback host.
func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && isLoopbackHost(u.Hostname())
}

// isLoopbackHost accepts localhost and loopback IP addresses
// (127.0.0.0/8, ::1), including IPv4 ones written as IPv6.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}

// isLoopbackListenAddr reports whether a listen address reaches this
// machine only. An empty host, like 0.0.0.0 or ::, listens on every
// network the machine is on.
func isLoopbackListenAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && isLoopbackHost(host)
}

// checkListenAddr accepts host:port with a numeric port. A named port such
// as "http" would work with net.Listen but hides which port is used.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("must be host:port, such as localhost:5000 or :8080")
	}
	return checkPort(port)
}

func checkPort(port string) error {
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return errors.New("port must be a number from 0 to 65535")
	}
	return nil
}

// checkCookieName rejects names the browser would treat specially: the
// session package adds the __Host- prefix itself when it can, and a
// configured prefix would double it or contradict CookieSecure. Browsers
// match these prefixes case-insensitively.
func checkCookieName(name string) error {
	if !cookieNamePattern.MatchString(name) {
		return errors.New("must contain only letters, digits, '-' and '_'")
	}
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "__host-") || strings.HasPrefix(lower, "__secure-") {
		return errors.New("must not start with __Host- or __Secure- (the app adds __Host- itself)")
	}
	return nil
}

// checkRedisURL checks the form of REDIS_URL; the session store reads the
// rest (user, password, database) when it connects. The messages never
// quote the value, which may hold a password.
func checkRedisURL(raw string) error {
	if raw == "" {
		return errors.New("must be set when SESSION_STORE is redis")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("must be a URL such as redis://:password@host:6379/0")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return errors.New("must start with redis:// or rediss:// (TLS)")
	}
	if u.Hostname() == "" {
		return errors.New("must name a host, as in redis://:password@host:6379/0")
	}
	return nil
}
