package limit

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// RateLimit bounds how often one client address may start a login or call
// the callback (RFC 6819 §4.4.1.11, §4.4.1.12). A person logging in needs
// two requests a login, but one address can stand for a whole office,
// school or mobile network behind NAT, so the bound must leave room for
// many people at once; [PendingLimit] bounds the total, whoever asks.
//
// Each client gets a bucket of Burst requests that refills at PerMinute;
// a request that finds the bucket empty is refused. A RateLimit with
// Burst 0 refuses everything: to have no per-address bound, leave it out
// of [Limits].
type RateLimit struct {
	PerMinute int
	Burst     int

	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the real client. From any other peer the header is ignored:
	// anyone can send it, and trusting it would let a client pick its own
	// bucket (RFC 9700 §4.13).
	TrustedProxies []netip.Prefix

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
}

// maxBuckets bounds the limiter's memory. Past it, buckets that have
// refilled completely (whose clients are idle) are dropped; if all are
// busy, others go too.
const maxBuckets = 10000

type bucket struct {
	tokens float64
	last   time.Time
}

// Allow reports whether the client of r may go on at now, and takes one
// token from its bucket if so.
func (l *RateLimit) Allow(r *http.Request, now time.Time) bool {
	client := l.clientAddr(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[netip.Addr]*bucket)
	}
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: float64(l.Burst), last: now}
		l.buckets[client] = b
	}
	b.tokens = min(float64(l.Burst), b.tokens+now.Sub(b.last).Minutes()*float64(l.PerMinute))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune makes room for new buckets. It runs only when the map is full, and
// leaves it at most nine tenths full, so that its scan of the map is paid
// once per thousand new clients even while clients rotate addresses to
// keep it full. Buckets that have refilled go first: their clients are
// idle, and a new bucket would be the same. If that is not enough, others
// go at random (the map's order): a client that loses its bucket starts
// again with a full one, the price of bounded memory.
func (l *RateLimit) prune(now time.Time) {
	refill := time.Duration(float64(time.Minute) * float64(l.Burst) / float64(max(l.PerMinute, 1)))
	for addr, b := range l.buckets {
		if now.Sub(b.last) >= refill {
			delete(l.buckets, addr)
		}
	}
	for addr := range l.buckets {
		if len(l.buckets) <= maxBuckets*9/10 {
			break
		}
		delete(l.buckets, addr)
	}
}

// clientAddr is the address the limit applies to. From an untrusted peer
// it is the peer. From a trusted proxy it is found in X-Forwarded-For,
// where each proxy appends the address it received the request from: the
// list is read from the right, past every trusted proxy (a CDN in front
// of nginx adds two), and the first address that is not one is the
// client. Everything left of it was written by the client and proves
// nothing. IPv6 clients share a bucket per /64, the block one subscriber
// usually holds.
func (l *RateLimit) clientAddr(r *http.Request) netip.Addr {
	client := remoteAddr(r)
	if l.trusted(client) {
		hops := forwardedHops(r.Header.Values("X-Forwarded-For"))
		for i := len(hops) - 1; i >= 0; i-- {
			addr, ok := parseHop(hops[i])
			if !ok {
				break // a garbled entry: the last trusted hop is all we know
			}
			client = addr
			if !l.trusted(addr) {
				break
			}
		}
	}
	if client.Is6() {
		prefix, _ := client.Prefix(64)
		return prefix.Addr()
	}
	return client
}

// forwardedHops splits X-Forwarded-For header lines into their entries, in
// order; several lines count as one list joined by commas (RFC 9110 §5.3).
func forwardedHops(lines []string) []string {
	var hops []string
	for _, line := range lines {
		for hop := range strings.SplitSeq(line, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	return hops
}

// parseHop reads one X-Forwarded-For entry. Proxies write an address
// alone, but some add the port ("203.0.113.7:41234", "[2001:db8::1]:443")
// or bracket an IPv6 address without one.
func parseHop(hop string) (netip.Addr, bool) {
	if addrPort, err := netip.ParseAddrPort(hop); err == nil {
		return addrPort.Addr().Unmap(), true
	}
	addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(hop, "["), "]"))
	if err != nil || addr.Zone() != "" {
		return netip.Addr{}, false
	}
	return addr.Unmap(), true
}

// trusted reports whether addr is one of the trusted proxies. An IPv4
// proxy may be listed as an IPv4-mapped IPv6 block (::ffff:10.0.0.0/104),
// as some tools print them; addresses are compared unmapped.
func (l *RateLimit) trusted(addr netip.Addr) bool {
	for _, p := range l.TrustedProxies {
		if p.Contains(addr) || unmapPrefix(p).Contains(addr) {
			return true
		}
	}
	return false
}

// unmapPrefix turns ::ffff:a.b.c.d/n (n ≥ 96) into a.b.c.d/(n-96).
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if !p.Addr().Is4In6() || p.Bits() < 96 {
		return p
	}
	return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked()
}

// remoteAddr parses the peer's address; an unparsable one (which the
// net/http server never produces) shares the zero address's bucket.
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap()
}
