package oauth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// RateLimit bounds how often one client may start a login or call the
// callback. Both are cheap to ask for and cost the server a session record
// or a state lookup, so without a bound a single client could fill the
// session directory or grind the callback (RFC 6819 §4.4.1.11 and
// §4.4.1.12; SECURITY-CHECKLIST #45, #54). A person logging in needs a
// handful per minute.
//
// Each client gets a bucket of Burst requests that refills at PerMinute;
// a request that finds the bucket empty is refused.
type RateLimit struct {
	PerMinute int
	Burst     int

	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the real client. From any other peer the header is ignored:
	// anyone can send it, and trusting it would let a client pick its own
	// bucket (RFC 9700 §4.13).
	TrustedProxies []netip.Prefix

	// Now is the clock; time.Now when nil. Tests set a fake one.
	Now func() time.Time

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
}

// maxBuckets bounds the limiter's memory. Past it, buckets that have
// refilled completely (whose clients are idle) are dropped; if all are
// busy, the oldest go.
const maxBuckets = 10000

type bucket struct {
	tokens float64
	last   time.Time
}

// Allow reports whether the client of r may go on, and takes one token
// from its bucket if so. A nil RateLimit allows everything.
func (l *RateLimit) Allow(r *http.Request) bool {
	if l == nil {
		return true
	}
	client := l.clientAddr(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
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

// prune makes room for a new bucket. It runs only when the map is full,
// so its cost is spread over many requests.
func (l *RateLimit) prune(now time.Time) {
	refill := time.Duration(float64(time.Minute) * float64(l.Burst) / float64(max(l.PerMinute, 1)))
	var oldest netip.Addr
	var oldestTime time.Time
	for addr, b := range l.buckets {
		if now.Sub(b.last) >= refill {
			delete(l.buckets, addr)
			continue
		}
		if oldestTime.IsZero() || b.last.Before(oldestTime) {
			oldest, oldestTime = addr, b.last
		}
	}
	if len(l.buckets) >= maxBuckets {
		delete(l.buckets, oldest)
	}
}

// clientAddr is the address the limit applies to: the peer, or, when the
// peer is a trusted proxy, the last address that proxy appended to
// X-Forwarded-For. IPv6 clients share a bucket per /64, the block one
// subscriber usually holds.
func (l *RateLimit) clientAddr(r *http.Request) netip.Addr {
	peer := remoteAddr(r)
	if l.trusted(peer) {
		forwarded := r.Header.Values("X-Forwarded-For")
		if len(forwarded) > 0 {
			hops := strings.Split(forwarded[len(forwarded)-1], ",")
			if addr, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
				peer = addr.Unmap()
			}
		}
	}
	if peer.Is6() {
		prefix, _ := peer.Prefix(64)
		return prefix.Addr()
	}
	return peer
}

func (l *RateLimit) trusted(peer netip.Addr) bool {
	for _, p := range l.TrustedProxies {
		if p.Contains(peer) {
			return true
		}
	}
	return false
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
