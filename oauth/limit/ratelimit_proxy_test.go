package limit

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// Behind a CDN and nginx, X-Forwarded-For holds the client and then the
// CDN's address: the client is the right-most address that is not a
// trusted proxy, however the hops are written.
func TestRateLimitWalksPastTrustedProxies(t *testing.T) {
	l := &RateLimit{PerMinute: 1, Burst: 1, TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),             // nginx
		netip.MustParsePrefix("198.51.100.0/24"),        // the CDN
		netip.MustParsePrefix("::ffff:192.168.0.0/112"), // written IPv4-mapped
		netip.MustParsePrefix("2001:db8:cd::/48"),       // the CDN over IPv6
	}}
	tests := []struct {
		name, peer string
		forwarded  []string
		want       string
	}{
		{"one proxy", "10.0.0.2:80", []string{"203.0.113.7"}, "203.0.113.7"},
		{"CDN then nginx", "10.0.0.2:80", []string{"203.0.113.7, 198.51.100.9"}, "203.0.113.7"},
		{"a forged entry left of the client", "10.0.0.2:80", []string{"1.2.3.4, 203.0.113.7, 198.51.100.9"}, "203.0.113.7"},
		{"hops over two header lines", "10.0.0.2:80", []string{"203.0.113.7", "198.51.100.9"}, "203.0.113.7"},
		{"hop with a port", "10.0.0.2:80", []string{"203.0.113.7:41234, 198.51.100.9:443"}, "203.0.113.7"},
		{"bracketed IPv6 hop with a port", "10.0.0.2:80", []string{"[2001:db8:1:2::7]:443"}, "2001:db8:1:2::"},
		{"bracketed IPv6 hop", "10.0.0.2:80", []string{"[2001:db8:1:2::7], [2001:db8:cd::1]"}, "2001:db8:1:2::"},
		{"IPv4-mapped trusted proxy", "10.0.0.2:80", []string{"203.0.113.7, 192.168.3.4"}, "203.0.113.7"},
		{"IPv4-mapped hop", "10.0.0.2:80", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"every hop trusted", "10.0.0.2:80", []string{"198.51.100.9, 10.0.0.3"}, "198.51.100.9"},
		{"garbage stops the walk", "10.0.0.2:80", []string{"203.0.113.7, nonsense"}, "10.0.0.2"},
		{"untrusted peer", "203.0.113.50:80", []string{"203.0.113.7"}, "203.0.113.50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, line := range tt.forwarded {
				r.Header.Add("X-Forwarded-For", line)
			}
			if got := l.clientAddr(r); got != netip.MustParseAddr(tt.want) {
				t.Errorf("client = %v, want %s", got, tt.want)
			}
		})
	}
}

// Two clients behind the same two proxies draw from their own buckets:
// one client spending its bucket does not lock the other out.
func TestRateLimitClientsBehindTwoProxiesAreApart(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &RateLimit{PerMinute: 1, Burst: 1,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("198.51.100.0/24")}}
	request := func(client string) bool {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "10.0.0.2:80"
		r.Header.Set("X-Forwarded-For", client+", 198.51.100.9")
		return l.Allow(r, now)
	}
	if !request("203.0.113.1") || request("203.0.113.1") {
		t.Fatal("the first client should get exactly its burst of one")
	}
	if !request("203.0.113.2") {
		t.Fatal("a second client behind the same proxies was refused: both share the CDN's bucket")
	}
}
