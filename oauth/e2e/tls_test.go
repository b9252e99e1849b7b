package e2e

// https without a proxy (issue 21), through the binary: TLS_CERT_FILE and
// TLS_KEY_FILE, a whole login over https, TLS 1.2 at least, a certificate
// renewed on disk served without a restart, a broken renewal ignored, and
// start-up refusing a certificate for another host. The certificates come
// from a CA the test makes.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority of the test's own.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
	file string // its certificate, PEM
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "oauthlogin e2e CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{cert: cert, key: key, pool: x509.NewCertPool(), file: filepath.Join(t.TempDir(), "ca.pem")}
	ca.pool.AddCert(cert)
	writePEM(t, ca.file, "CERTIFICATE", der)
	return ca
}

// issued is a certificate and its key, PEM.
type issued struct{ cert, key []byte }

// issue makes a server certificate named name (its common name, which
// says which one a connection got) for hosts, DNS names or IP addresses.
func (ca *testCA) issue(t *testing.T, name string, hosts ...string) issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else {
			template.DNSNames = append(template.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return issued{
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// replaceFile puts content at path the way renewal tools do: written
// beside it, then renamed over it.
func replaceFile(t *testing.T, path string, content []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, content, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// install puts the pair at certFile and keyFile.
func (i issued) install(t *testing.T, certFile, keyFile string) {
	t.Helper()
	replaceFile(t, keyFile, i.key)
	replaceFile(t, certFile, i.cert)
}

// servedName connects to addr as a browser at host would, and returns
// the common name of the certificate it is given.
func servedName(t *testing.T, addr, host string, pool *x509.CertPool) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: host, RootCAs: pool})
	if err != nil {
		t.Fatalf("TLS to %s as %s: %v", addr, host, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// tlsEnv serves https on port with the pair, the development provider on
// the same https origin; the app's own calls to it trust the test's CA.
func tlsEnv(port, certFile, keyFile string, ca *testCA) map[string]string {
	provider := "https://127.0.0.1:" + port + "/dev/oauth"
	return map[string]string{
		"TLS_CERT_FILE": certFile,
		"TLS_KEY_FILE":  keyFile,
		"AUTHORIZE_URL": provider + "/authorize",
		"TOKEN_URL":     provider + "/token",
		"USER_URL":      provider + "/user",
		"SSL_CERT_FILE": ca.file,
	}
}

// opensslCheck reads the certificate served at addr with openssl
// s_client and openssl x509, tools outside Go's, and returns its subject.
// It is skipped where openssl is missing, except in CI, which installs it.
func opensslCheck(t *testing.T, addr, host string, ca *testCA) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is missing; .ci/run installs it")
		}
		t.Log("openssl is missing, so only Go's TLS client checked the server; to run it too: apt-get install openssl")
		return ""
	}
	client := exec.Command("openssl", "s_client", "-connect", addr, "-servername", host, "-CAfile", ca.file,
		"-verify_return_error", "-verify_hostname", host)
	client.Stdin = strings.NewReader("")
	out, err := client.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verify return code: 0 (ok)") {
		t.Fatalf("openssl s_client: %v\n%s", err, out)
	}
	x509Cmd := exec.Command("openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253")
	x509Cmd.Stdin = strings.NewReader(string(out))
	subject, err := x509Cmd.Output()
	if err != nil {
		t.Fatalf("openssl x509: %v", err)
	}
	return strings.TrimSpace(string(subject))
}

// TestIssue21_HTTPSWithoutAProxy serves https from the binary itself: a
// whole login over it, TLS 1.2 at least, a renewed certificate served to
// the next connection without a restart, and a broken renewal ignored.
func TestIssue21_HTTPSWithoutAProxy(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.issue(t, "first", "localhost", "127.0.0.1").install(t, certFile, keyFile)
	port := freePort(t)
	site := "https://localhost:" + port
	addr := "127.0.0.1:" + port
	app := startProc(t, procOptions{Port: port, RedirectURL: site + "/oauth/callback",
		Env: tlsEnv(port, certFile, keyFile, ca)})
	if _, err := app.waitLog(time.Second, msgIs("serving https")); err != nil {
		t.Error(err)
	}

	// A login, over https from start to end.
	browser := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool}}
	defer browser.CloseIdleConnections()
	ada := newPerson("ada", browser)
	if err := ada.logIn(site, "https://127.0.0.1:"+port+"/dev/oauth"); err != nil {
		t.Fatal(err)
	}
	r, err := newPerson("", browser).get(site + "/")
	if err != nil {
		t.Fatal(err)
	}
	if c := r.header.Get("Set-Cookie"); !strings.HasPrefix(c, "__Host-session=") || !strings.Contains(c, "; Secure") {
		t.Errorf("the session cookie over https: %q, want __Host-session, Secure", c)
	}
	if hsts := r.header.Get("Strict-Transport-Security"); hsts == "" {
		t.Error("no Strict-Transport-Security over https")
	}

	// TLS 1.2 at least (RFC 9325 §3.1.1).
	old, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "localhost", RootCAs: ca.pool, MaxVersion: tls.VersionTLS11})
	if err == nil {
		old.Close()
		t.Error("a TLS 1.1 handshake succeeded")
	}
	if got := opensslCheck(t, addr, "localhost", ca); got != "" && got != "subject=CN=first" {
		t.Errorf("openssl sees %q, want subject=CN=first", got)
	}

	// The certificate is renewed on disk: the next connection gets it.
	ca.issue(t, "second", "localhost", "127.0.0.1").install(t, certFile, keyFile)
	if got := servedName(t, addr, "localhost", ca.pool); got != "second" {
		t.Errorf("after renewal the server presents %q, want second", got)
	}
	if got := opensslCheck(t, addr, "localhost", ca); got != "" && got != "subject=CN=second" {
		t.Errorf("openssl sees %q after renewal, want subject=CN=second", got)
	}
	if err := ada.expectHome(site); err != nil {
		t.Errorf("after renewal: %v", err)
	}

	// Renewals that cannot be used are not: the last good certificate is
	// served, and the log says why.
	mark := len(app.Logs())
	replaceFile(t, certFile, []byte("-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n"))
	if got := servedName(t, addr, "localhost", ca.pool); got != "second" {
		t.Errorf("with a broken certificate file the server presents %q, want second", got)
	}
	ca.issue(t, "elsewhere", "other.example").install(t, certFile, keyFile)
	if got := servedName(t, addr, "localhost", ca.pool); got != "second" {
		t.Errorf("with a certificate for another host the server presents %q, want second", got)
	}
	unusable := func(line string) bool {
		return strings.Contains(line, "TLS certificate files changed but cannot be used; still serving the previous certificate")
	}
	first, err := app.waitLogFrom(mark, 5*time.Second, unusable)
	if err != nil {
		t.Fatal(err)
	}
	second, err := app.waitLogFrom(first+1, 5*time.Second, unusable)
	if err != nil {
		t.Fatal(err)
	}
	if logs := app.Logs(); !strings.Contains(logs[first], "failed to find any PEM data") ||
		!strings.Contains(logs[second], "does not cover the site's host localhost: it names other.example") {
		t.Errorf("the log records of the unusable renewals do not say why:\n%s\n%s", logs[first], logs[second])
	}
	ca.issue(t, "third", "localhost", "127.0.0.1").install(t, certFile, keyFile)
	if got := servedName(t, addr, "localhost", ca.pool); got != "third" {
		t.Errorf("after a good renewal the server presents %q, want third", got)
	}

	// Plain http on the https port is refused before the app sees it
	// (oauth/SECURITY.md #14): a callback sent that way is not processed.
	mark = len(app.Logs())
	r, err = newPerson("", nil).get("http://" + addr + "/oauth/callback?code=c&state=s")
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusBadRequest {
		t.Errorf("plain http on the https port: %d, want 400", r.status)
	}
	for _, line := range app.Logs()[mark:] {
		if strings.Contains(line, "/oauth/callback") {
			t.Errorf("the app handled the plain-http callback: %s", line)
		}
	}
}

// TestIssue21_HTTPSStartUpChecksThePair: start-up, and -check, refuse a
// certificate that does not cover REDIRECT_URL's host, a pair that does
// not load, and TLS with a plain-http REDIRECT_URL.
func TestIssue21_HTTPSStartUpChecksThePair(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.issue(t, "elsewhere", "other.example", "192.0.2.7").install(t, certFile, keyFile)
	otherKey := filepath.Join(dir, "other-key.pem")
	replaceFile(t, otherKey, ca.issue(t, "x", "localhost").key)

	for _, c := range []struct {
		name   string
		change map[string]string
		want   string
	}{
		{"a certificate for another host", nil,
			"TLS_CERT_FILE and TLS_KEY_FILE: the certificate does not cover the site's host localhost: it names other.example, 192.0.2.7"},
		{"a key that is not the certificate's", map[string]string{"TLS_KEY_FILE": otherKey},
			"TLS_CERT_FILE and TLS_KEY_FILE: load the certificate and key: tls: private key does not match public key"},
		{"no such file", map[string]string{"TLS_CERT_FILE": filepath.Join(dir, "missing.pem")},
			"TLS_CERT_FILE and TLS_KEY_FILE: load the certificate and key: open " + filepath.Join(dir, "missing.pem")},
		{"plain http REDIRECT_URL", map[string]string{"REDIRECT_URL": ""},
			"REDIRECT_URL: must be https when the app serves https itself"},
	} {
		port := freePort(t)
		env := validStartEnv(t, port)
		env["REDIRECT_URL"] = "https://localhost:" + port + "/oauth/callback"
		for name, value := range tlsEnv(port, certFile, keyFile, ca) {
			env[name] = value
		}
		for name, value := range c.change {
			env[name] = value
		}
		if env["REDIRECT_URL"] == "" {
			env["REDIRECT_URL"] = "http://localhost:" + port + "/oauth/callback"
		}
		code, output := runFailingStart(t, env)
		if code == 0 || !strings.Contains(output, c.want) {
			t.Errorf("%s: start-up exit %d, want a refusal saying %q:\n%s", c.name, code, c.want, output)
		}
		code, output = runCheck(t, env)
		if code != 1 || !strings.Contains(output, c.want) {
			t.Errorf("%s: -check exit %d, want 1 saying %q:\n%s", c.name, code, c.want, output)
		}
	}
}
