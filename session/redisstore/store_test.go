package redisstore

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"oauthlogin/session"
)

// TestRedisStoreKeyAndTimeToLive: a record lives under the prefix and the
// keyed hash of its ID, and Redis drops it at its expiry.
func TestRedisStoreKeyAndTimeToLive(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	s := r.openStore(clock)
	id := mustID(t)
	if err := s.Save(id, []byte("{}"), clock().Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	key := "session:" + hmacHex(testStoreKey, id)
	if keys := r.keys(); len(keys) != 1 || keys[0] != key {
		t.Fatalf("keys %q, want [%q]", keys, key)
	}
	if ttl := r.do("PTTL", key).num; ttl < 85_000 || ttl > 90_000 {
		t.Errorf("time to live %d ms, want about 90000", ttl)
	}
	// A record already past its expiry is not kept at all.
	if err := s.Save(id, []byte("{}"), clock().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if keys := r.keys(); len(keys) != 0 {
		t.Errorf("an expired record was saved: %q", keys)
	}
}

// TestRedisStoreKeyPrefix: two applications with their own prefixes share
// one Redis without touching each other's keys.
func TestRedisStoreKeyPrefix(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	opts := r.options(clock)
	opts.KeyPrefix = "app-two:"
	two, err := New(context.Background(), testStoreKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	one := r.openStore(clock)
	id := mustID(t)
	if err := one.Save(id, []byte(`{"app":1}`), clock().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := two.Load(id); found || err != nil {
		t.Errorf("the other prefix sees the record: found %v, err %v", found, err)
	}
	if keys := r.keys(); len(keys) != 1 || !strings.HasPrefix(keys[0], "session:") {
		t.Errorf("keys %q", keys)
	}
}

// TestRedisWrongPasswordStopsStart: a wrong password fails New with the
// server's reason and no secret.
func TestRedisWrongPasswordStopsStart(t *testing.T) {
	r := startRedis(t, false)
	opts := r.options(nil)
	opts.URL = (&url.URL{Scheme: "redis", User: url.UserPassword("default", "wrong-secret"), Host: "127.0.0.1:" + r.port}).String()
	_, err := New(context.Background(), testStoreKey, opts)
	if err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Fatalf("New = %v, want WRONGPASS", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") || strings.Contains(err.Error(), "p@ss") {
		t.Errorf("the error shows a password: %v", err)
	}
	opts.URL = "redis://127.0.0.1:" + r.port
	if _, err := New(context.Background(), testStoreKey, opts); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("New without a password = %v, want NOAUTH", err)
	}
}

// TestRedisUnreachableStopsStart: nothing listening fails New at once,
// with the address.
func TestRedisUnreachableStopsStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = New(context.Background(), testStoreKey, Options{URL: "redis://:secret@" + addr})
	if err == nil || !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "secret") {
		t.Errorf("New = %v, want an error naming %s and no password", err, addr)
	}
}

// silentServer accepts connections and never answers: a Redis that hangs.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestRedisSlowServerIsBounded: a server that does not answer costs an
// operation its Timeout, or less if the request's context ends first.
func TestRedisSlowServerIsBounded(t *testing.T) {
	addr := silentServer(t)
	start := time.Now()
	_, err := New(context.Background(), testStoreKey, Options{URL: "redis://" + addr, Timeout: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("New on a silent server = %v, want DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v with a 200ms timeout", took)
	}

	s, err := newStore(testStoreKey, Options{URL: "redis://" + addr, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, _, err := s.LoadContext(ctx, mustID(t)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("LoadContext = %v, want the request's DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v with a 100ms request deadline", took)
	}
}

// TestRedisRestartServesAgain: with Redis gone, operations fail with a
// clear error; once it is back, the same store serves again at the first
// try, although every connection it had is dead, whether or not an
// operation found out while Redis was down.
func TestRedisRestartServesAgain(t *testing.T) {
	r := startRedis(t, false)
	clock := frozenClock()
	s := r.openStore(clock)
	id, expiry := mustID(t), clock().Add(time.Hour)
	fillPool := func() {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if err := s.Save(id, []byte("{}"), expiry); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}

	fillPool()
	r.stop()
	if _, _, err := s.Load(id); err == nil {
		t.Fatal("Load with Redis stopped: no error")
	}
	r.start()
	for i := range 4 {
		if _, _, err := s.Load(id); err != nil {
			t.Fatalf("Load %d after Redis came back: %v", i, err)
		}
	}

	// A restart that no operation saw: the pool is full of connections
	// that the old server's end closed.
	fillPool()
	r.stop()
	r.start()
	for i := range 4 {
		if _, _, err := s.Load(id); err != nil {
			t.Fatalf("Load %d after an unseen restart: %v", i, err)
		}
	}
	if err := s.Save(id, []byte("{}"), expiry); err != nil {
		t.Fatalf("Save after Redis came back: %v", err)
	}
}

// TestRedisOverTLS: a rediss:// URL speaks TLS and checks the server's
// certificate: the test's CA is trusted when given, and a server whose CA
// is not trusted is refused.
func TestRedisOverTLS(t *testing.T) {
	r := startRedis(t, true)
	clock := frozenClock()
	s := r.openStore(clock)
	id := mustID(t)
	if err := s.Save(id, []byte(`{"tls":true}`), clock().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.Load(id); !found || err != nil || string(b) != `{"tls":true}` {
		t.Fatalf("Load over TLS = %q, %v, %v", b, found, err)
	}
	opts := r.options(nil)
	opts.TLSConfig = nil // the system's roots, which do not hold the test CA
	_, err := New(context.Background(), testStoreKey, opts)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("New trusting only the system roots = %v, want a certificate error", err)
	}
	opts.URL = strings.Replace(r.url(), "rediss://", "redis://", 1)
	if _, err := New(context.Background(), testStoreKey, opts); err == nil {
		t.Error("plain redis:// to a TLS port worked")
	}
}

// TestRedisACLUserAndDatabase: a URL with a user logs in as that ACL user,
// and a path selects the database.
func TestRedisACLUserAndDatabase(t *testing.T) {
	r := startRedis(t, false)
	if rep := r.do("ACL", "SETUSER", "app", "on", ">app secret", "~session:*", "+@all"); rep.kind != '+' {
		t.Fatalf("ACL SETUSER: %c%s", rep.kind, rep.str)
	}
	clock := frozenClock()
	u := url.URL{Scheme: "redis", User: url.UserPassword("app", "app secret"), Host: "127.0.0.1:" + r.port, Path: "/3"}
	s, err := New(context.Background(), testStoreKey, Options{URL: u.String(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Save(mustID(t), []byte("{}"), clock().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if keys := r.keys(); len(keys) != 0 {
		t.Errorf("database 0 holds %q; the record belongs in database 3", keys)
	}
	if n := r.do("DBSIZE").num; n != 0 {
		t.Errorf("DBSIZE of database 0 = %d", n)
	}
	u.User = url.UserPassword("app", "not it")
	if _, err := New(context.Background(), testStoreKey, Options{URL: u.String()}); err == nil {
		t.Error("a wrong ACL password was accepted")
	}
}

// TestParseRedisURL: the URL forms the store takes, and refusals that
// never repeat the URL (it may hold a password).
func TestParseRedisURL(t *testing.T) {
	good := map[string]redisConfig{
		"redis://localhost":                      {addr: "localhost:6379"},
		"redis://:pw@10.0.0.1:7000/2":            {addr: "10.0.0.1:7000", password: "pw", db: 2},
		"redis://user:p%40ss@[::1]:6380/":        {addr: "[::1]:6380", username: "user", password: "p@ss"},
		"rediss://default:pw@cache.example:6380": {addr: "cache.example:6380", username: "default", password: "pw"},
	}
	for raw, want := range good {
		got, err := parseRedisURL(raw)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if (got.tls != nil) != strings.HasPrefix(raw, "rediss:") {
			t.Errorf("%s: TLS %v", raw, got.tls != nil)
		}
		if got.tls != nil && (got.tls.ServerName != "cache.example" || got.tls.InsecureSkipVerify) {
			t.Errorf("%s: TLS config %+v", raw, got.tls)
		}
		got.tls = nil
		if got != want {
			t.Errorf("%s: %+v, want %+v", raw, got, want)
		}
	}
	for _, raw := range []string{
		"http://:secretpw@host:6379",
		"redis://:secretpw@host:99999",
		"redis://:secretpw@host:6379/x",
		"redis://:secretpw@host:6379/0?tls_insecure=1",
		"redis://user@host:6379",
		"redis://:secretpw@:6379",
		"redis://:secretpw@host:port\x7f",
		"secretpw",
	} {
		_, err := parseRedisURL(raw)
		if err == nil {
			t.Errorf("%q accepted", raw)
		} else if strings.Contains(err.Error(), "secretpw") {
			t.Errorf("%q: the error shows the password: %v", raw, err)
		}
	}
}

// fakeRedis answers every command with reply, speaking RESP over loopback:
// a server in a state no test can bring a real one to on cue.
func fakeRedis(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				in := bufio.NewReader(c)
				for {
					if _, err := readReply(in); err != nil {
						return
					}
					if _, err := io.WriteString(c, reply); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestRedisLoadingIsAnErrorNotNoSession: while Redis loads its data after
// a restart it refuses commands with LOADING. That is an outage (503),
// not a missing session: taken for one, it would log everyone out.
func TestRedisLoadingIsAnErrorNotNoSession(t *testing.T) {
	addr := fakeRedis(t, "-LOADING Redis is loading the dataset in memory\r\n")
	s, err := newStore(testStoreKey, Options{URL: "redis://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Load(mustID(t)); err == nil || !strings.Contains(err.Error(), "LOADING") {
		t.Errorf("Load = found %v, err %v; want the LOADING error", found, err)
	}
	called := false
	err = s.Change(context.Background(), mustID(t), func([]byte, bool) ([]session.Write, error) {
		called = true
		return nil, nil
	})
	if err == nil || called {
		t.Errorf("Change = %v, fn called %v; want the LOADING error before fn", err, called)
	}
}
