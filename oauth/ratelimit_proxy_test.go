package oauth

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
	l := &RateLimit{PerMinute: 1, Burst: 1, Now: func() time.Time { return now },
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("198.51.100.0/24")}}
	request := func(client string) bool {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.2:80"
		r.Header.Set("X-Forwarded-For", client+", 198.51.100.9")
		return l.Allow(r)
	}
	if !request("203.0.113.1") || request("203.0.113.1") {
		t.Fatal("the first client should get exactly its burst of one")
	}
	if !request("203.0.113.2") {
		t.Fatal("a second client behind the same proxies was refused: both share the CDN's bucket")
	}
}

func TestPendingLimitBoundsRecordsInItsWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &PendingLimit{Max: 100, Window: 35 * time.Minute}
	allowed := 0
	// 12,000 starts, one every 0.2 s, over 40 minutes: at no point may the
	// records created within one window exceed Max.
	var times []time.Time
	for range 12_000 {
		if l.Allow(now) {
			allowed++
			times = append(times, now)
		}
		now = now.Add(200 * time.Millisecond)
	}
	for i := range times {
		inWindow := 0
		for _, at := range times[i:] {
			if at.Sub(times[i]) < 35*time.Minute {
				inWindow++
			}
		}
		if inWindow > 100 {
			t.Fatalf("%d records created within 35 minutes of %v; the bound is 100", inWindow, times[i])
		}
	}
	// Once the window has passed, new visitors get in again.
	if allowed <= 100 {
		t.Errorf("allowed %d in 40 minutes; after the first window more should have been allowed", allowed)
	}
}

func TestPendingLimitOffAllowsEverything(t *testing.T) {
	var none *PendingLimit
	zero := &PendingLimit{Window: time.Minute}
	for range 1000 {
		if !none.Allow(time.Now()) || !zero.Allow(time.Now()) {
			t.Fatal("a nil or zero PendingLimit refused")
		}
	}
}

// A finished login gives its place back: a site where many people log in
// never reaches the bound, which is for logins left unfinished.
func TestPendingLimitReleasesFinishedLogins(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &PendingLimit{Max: 10, Window: 35 * time.Minute}
	for i := range 1000 {
		if !l.Allow(now) {
			t.Fatalf("login %d refused, though every earlier one finished", i+1)
		}
		l.Release(now)
		now = now.Add(time.Second)
	}
	for range 10 {
		l.Allow(now)
	}
	if l.Allow(now) {
		t.Error("11 unfinished logins allowed with a bound of 10")
	}
	// A release for a minute whose slot has moved on changes nothing.
	l.Release(now.Add(-time.Hour))
	if l.Allow(now) {
		t.Error("a stale release made room")
	}
}

// Through the login: finished logins never fill the bound, unfinished ones
// do, and then a new visitor gets 503 while a visitor with a session still
// gets through.
func TestPendingLimitThroughTheLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{pendingLimit: &PendingLimit{Max: 2, Window: time.Hour}})
	for range 5 {
		h.newBrowser().login(t, "/private")
	}
	started := h.newBrowser()
	started.startLogin(t, "/private")
	h.newBrowser().startLogin(t, "/private")
	if resp := h.newBrowser().get("/private"); resp.Status != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a third unfinished login: %v; want 503 with Retry-After", resp)
	}
	// A visitor who already has a session makes no new record.
	started.startLogin(t, "/private")
}

// A record counts until it is gone, not until the attempt that made it is
// used up: a visitor who starts a second login in the same session and then
// cancels the first keeps the record alive, and it must keep counting.
func TestPendingLimitCountsRecordsNotAttempts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{pendingLimit: &PendingLimit{Max: 3, Window: time.Hour}})
	refused := 0
	for range 10 {
		b := h.newBrowser()
		resp := b.get("/private")
		if resp.Status == http.StatusServiceUnavailable {
			refused++
			continue
		}
		first := resp.location(t).Query().Get("state")
		b.startLogin(t, "/private")
		b.get(callbackURL("error", "access_denied", "state", first))
	}
	if refused != 7 {
		t.Errorf("%d of 10 new visitors refused; with a bound of 3 and every record kept alive, 7 should be", refused)
	}
	if files := h.fileCount(t); files > 3 {
		t.Errorf("%d session records after cancelling one of two logins each time; the bound is 3", files)
	}
}

// Clients that rotate addresses to keep the limiter full make it prune in
// batches, not once per request: after one prune, a thousand new clients
// find room without another scan of the whole map.
func TestRateLimitPrunesInBatches(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &RateLimit{PerMinute: 60, Burst: 5, Now: func() time.Time { return now }}
	r := httptest.NewRequest("GET", "/", nil)
	client := func(i int) {
		addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		r.RemoteAddr = netip.AddrPortFrom(addr, 1).String()
		l.Allow(r)
	}
	for i := range maxBuckets + 1 { // every bucket busy: none has refilled
		client(i)
	}
	if n := len(l.buckets); n > maxBuckets*9/10+1 {
		t.Fatalf("%d buckets after the map overflowed; a prune should leave at most %d", n, maxBuckets*9/10+1)
	}
}
