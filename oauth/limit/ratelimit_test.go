package limit

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestRateLimitRefillsOverTime(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &RateLimit{PerMinute: 6, Burst: 3}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:1234"

	for i := range 3 {
		if !l.Allow(r, now) {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if l.Allow(r, now) {
		t.Fatal("a fourth request within the burst was allowed")
	}
	now = now.Add(10 * time.Second) // one token at 6 a minute
	if !l.Allow(r, now) {
		t.Fatal("no token after 10 s at 6 a minute")
	}
	if l.Allow(r, now) {
		t.Fatal("two tokens after 10 s at 6 a minute")
	}

	other := httptest.NewRequest("GET", "/", nil)
	other.RemoteAddr = "192.0.2.2:1234"
	if !l.Allow(other, now) {
		t.Fatal("another client shares the first one's bucket")
	}
}

// TestChecklist54_ForwardedForTrustedOnlyFromProxy: a spoofed
// X-Forwarded-For from a peer that is not the configured proxy does not
// change whose bucket a request draws from (oauth/SECURITY.md #54).
func TestChecklist54_ForwardedForTrustedOnlyFromProxy(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &RateLimit{PerMinute: 1, Burst: 1, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}

	spoofed := func(forwardedFor string) bool {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "198.51.100.7:5555"
		r.Header.Set("X-Forwarded-For", forwardedFor)
		return l.Allow(r, now)
	}
	if !spoofed("203.0.113.1") {
		t.Fatal("first request refused")
	}
	if spoofed("203.0.113.2") {
		t.Fatal("a new X-Forwarded-For from an untrusted peer bought a new bucket")
	}

	viaProxy := func(forwardedFor string) bool {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:443"
		r.Header.Set("X-Forwarded-For", forwardedFor)
		return l.Allow(r, now)
	}
	if !viaProxy("203.0.113.9, 203.0.113.10") {
		t.Fatal("a client behind the proxy refused")
	}
	if !viaProxy("203.0.113.9, 203.0.113.11") {
		t.Fatal("the proxy's last hop should name a different client")
	}
	if viaProxy("203.0.113.11") {
		t.Fatal("the same client behind the proxy got a second request")
	}
}

func TestRateLimitIPv6SharesSlash64(t *testing.T) {
	l := &RateLimit{PerMinute: 1, Burst: 1}
	a := httptest.NewRequest("GET", "/", nil)
	a.RemoteAddr = "[2001:db8:1:2::1]:1"
	b := httptest.NewRequest("GET", "/", nil)
	b.RemoteAddr = "[2001:db8:1:2::ffff]:1"
	now := time.Unix(0, 0)
	if !l.Allow(a, now) || l.Allow(b, now) {
		t.Error("two addresses of one /64 should share a bucket")
	}
}

func TestRateLimitMemoryIsBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &RateLimit{PerMinute: 60, Burst: 5}
	r := httptest.NewRequest("GET", "/", nil)
	for i := range maxBuckets + 500 {
		addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		r.RemoteAddr = netip.AddrPortFrom(addr, 1).String()
		l.Allow(r, now)
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("%d buckets kept, want at most %d", n, maxBuckets)
	}
}

// Clients that rotate addresses to keep the limiter full make it prune in
// batches, not once per request: after one prune, a thousand new clients
// find room without another scan of the whole map.
func TestRateLimitPrunesInBatches(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &RateLimit{PerMinute: 60, Burst: 5}
	r := httptest.NewRequest("GET", "/", nil)
	for i := range maxBuckets + 1 { // every bucket busy: none has refilled
		addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		r.RemoteAddr = netip.AddrPortFrom(addr, 1).String()
		l.Allow(r, now)
	}
	if n := len(l.buckets); n > maxBuckets*9/10+1 {
		t.Fatalf("%d buckets after the map overflowed; a prune should leave at most %d", n, maxBuckets*9/10+1)
	}
}
