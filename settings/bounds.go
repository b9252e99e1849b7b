package settings

import (
	"strconv"
	"strings"
	"time"
)

// The ranges of the settings that size memory or time. Each has an upper
// bound as well as a lower one: a value past it is a typo (an extra zero,
// h for m) rather than a wish, and left alone it would size a buffer, a
// ring or a wait that nobody meant, or overflow a time.Duration on its
// way there.
const (
	// OWASP's Session Management Cheat Sheet suggests 15 to 30 minutes of
	// idleness for low-risk apps; a day covers any wish, and keeps small
	// whatever it sizes, such as a ring with a counter for each minute
	// (1,440 of them), which the login limiter's once was. 1m stays
	// allowed: the session package records activity often enough to
	// honour it.
	minIdleTimeout = time.Minute
	maxIdleTimeout = 24 * time.Hour

	// A session ends this long after login however active: 30 days is
	// the longest "stay signed in" commonly offered.
	minAbsoluteTimeout = time.Minute
	maxAbsoluteTimeout = 30 * 24 * time.Hour

	// A ticker needs a positive interval, and sweeping more often than
	// once a second would only burn disk reads. Past an hour, expired
	// session files pile up for nothing, and the login limiter, which
	// counts a login start until the sweep can have removed its record,
	// counts each for as much longer.
	minSweepInterval = time.Second
	maxSweepInterval = time.Hour

	// A power cut may cost the file store's saves of this long; past a
	// second, a stated loss of "at most" would reassure no one.
	maxUnflushed = time.Second

	// Each call to the provider may take this long, and a callback makes
	// up to four of them in a row (oauth's Client.MaxCallbackTime).
	maxOAuthTimeout = time.Minute

	// A generous skew would stretch every ID token's lifetime by as much.
	minClockSkew = time.Second
	maxClockSkew = 5 * time.Minute

	// A request waits at most this long for Redis, for each operation.
	minRedisTimeout = 10 * time.Millisecond
	maxRedisTimeout = time.Minute

	// Connections each instance keeps open; Redis accepts 10,000 clients
	// by default, shared by every instance.
	minRedisPoolSize = 1
	maxRedisPoolSize = 1000

	// Login starts and callbacks per client address per minute. 10,000 is
	// some 80 logins a second from one address; past that, turn the limit
	// off with 0.
	maxLoginRateLimit = 10_000

	// Each unfinished login may leave a session record of a few hundred
	// bytes: a million of them is some hundreds of MB of disk.
	maxPendingSessions = 1_000_000
)

// durationBetween returns name's duration after checking that it is
// from lo to hi.
func (c *checker) durationBetween(name string, lo, hi time.Duration) time.Duration {
	value := c.duration(name)
	c.check(lo <= value && value <= hi, name, "must be from "+shortDuration(lo)+" to "+shortDuration(hi))
	return value
}

// countBetween returns name's whole number after checking that it is
// from lo to hi.
func (c *checker) countBetween(name string, lo, hi int) int {
	value, err := strconv.Atoi(c.text(name))
	c.check(err == nil && lo <= value && value <= hi, name,
		"must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	return value
}

// shortDuration writes d the way people write it in a .env file: 1m and
// 24h, where time.Duration.String gives 1m0s and 24h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
