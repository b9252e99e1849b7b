package redisstore

// A redis-server for the tests: started on a free loopback port with a
// password, no persistence and a directory of its own, and stopped when
// the test ends.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// testRedisPassword is the password every test server requires.
const testRedisPassword = "test password: p@ss/wörd"

// testRedis is a redis-server that a test started on a free loopback port,
// with a password, no persistence and a temporary directory.
type testRedis struct {
	t    testing.TB
	port string
	dir  string
	tls  *testCA // set when the server speaks TLS only
	cmd  *exec.Cmd
	done chan struct{}
}

// redisServerPath finds redis-server, or skips the test (fails it under
// CI=true, where a missing server is a broken machine, not a choice).
func redisServerPath(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server not found; install it with: apt-get install -y --no-install-recommends redis-server"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// startRedis starts a server; withTLS makes it speak TLS only, with a
// certificate from a CA the test makes. The server is stopped when the
// test ends.
func startRedis(t testing.TB, withTLS bool) *testRedis {
	t.Helper()
	r := &testRedis{t: t, dir: t.TempDir()}
	if withTLS {
		r.tls = newTestCA(t, r.dir)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, r.port, _ = net.SplitHostPort(ln.Addr().String())
	ln.Close()
	r.start()
	t.Cleanup(r.stop)
	return r
}

// start runs the server on r's port and waits until it answers.
func (r *testRedis) start() {
	t := r.t
	t.Helper()
	args := []string{
		"--bind", "127.0.0.1", "--requirepass", testRedisPassword,
		"--dir", r.dir, "--save", "", "--appendonly", "no", "--logfile", "",
	}
	if r.tls != nil {
		args = append(args, "--port", "0", "--tls-port", r.port,
			"--tls-cert-file", r.tls.certFile, "--tls-key-file", r.tls.keyFile,
			"--tls-ca-cert-file", r.tls.caFile, "--tls-auth-clients", "no")
	} else {
		args = append(args, "--port", r.port)
	}
	var out bytes.Buffer
	r.cmd = exec.Command(redisServerPath(t), args...)
	r.cmd.Stdout, r.cmd.Stderr = &out, &out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.done = make(chan struct{})
	go func() { r.cmd.Wait(); close(r.done) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		pool := newRedisPool(r.config(), 1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pool.get(ctx)
		cancel()
		if err == nil {
			pool.put(c, nil)
			pool.closeIdle()
			return
		}
		select {
		case <-r.done:
			t.Fatalf("redis-server exited: %s", out.Bytes())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not answer in time: %v\n%s", err, out.Bytes())
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, with a deadline
	}
}

// stop ends the server and waits for it to exit.
func (r *testRedis) stop() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}

// url is the server's URL with the password, for db 0.
func (r *testRedis) url() string {
	scheme := "redis"
	if r.tls != nil {
		scheme = "rediss"
	}
	u := url.URL{Scheme: scheme, User: url.UserPassword("default", testRedisPassword), Host: "127.0.0.1:" + r.port}
	return u.String()
}

// config is what the store makes of r's URL, trusting the test CA.
func (r *testRedis) config() redisConfig {
	r.t.Helper()
	cfg, err := parseRedisURL(r.url())
	if err != nil {
		r.t.Fatal(err)
	}
	if r.tls != nil {
		cfg.tls.RootCAs = r.tls.pool
	}
	return cfg
}

// options are Options for r, trusting the test CA.
func (r *testRedis) options(now func() time.Time) Options {
	o := Options{URL: r.url(), Now: now}
	if r.tls != nil {
		o.TLSConfig = &tls.Config{RootCAs: r.tls.pool}
	}
	return o
}

// openStore returns a Store on r, closed when the test ends.
func (r *testRedis) openStore(now func() time.Time) *Store {
	r.t.Helper()
	s, err := New(context.Background(), testStoreKey, r.options(now))
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { s.Close() })
	return s
}

// do runs one command on a connection of its own, behind the store's
// back, and returns the reply.
func (r *testRedis) do(cmd ...string) reply {
	r.t.Helper()
	pool := newRedisPool(r.config(), 1)
	defer pool.closeIdle()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pool.get(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	replies, err := c.roundTrip(args(cmd...))
	pool.put(c, err)
	if err != nil {
		r.t.Fatal(err)
	}
	return replies[0]
}

// keys lists every key on the server.
func (r *testRedis) keys() []string {
	r.t.Helper()
	var out []string
	for _, k := range r.do("KEYS", "*").array {
		out = append(out, string(k.bulk))
	}
	return out
}

// testCA is a certificate authority made for one test, and a server
// certificate for 127.0.0.1 signed by it, written to files for
// redis-server.
type testCA struct {
	pool                      *x509.CertPool
	caFile, certFile, keyFile string
}

func newTestCA(t testing.TB, dir string) *testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "session test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{
		pool:     x509.NewCertPool(),
		caFile:   filepath.Join(dir, "ca.pem"),
		certFile: filepath.Join(dir, "server.pem"),
		keyFile:  filepath.Join(dir, "server.key"),
	}
	ca.pool.AddCert(caCert)
	writePEM(t, ca.caFile, "CERTIFICATE", caDER)
	writePEM(t, ca.certFile, "CERTIFICATE", der)
	writePEM(t, ca.keyFile, "EC PRIVATE KEY", keyDER)
	return ca
}

func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
