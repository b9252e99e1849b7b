package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate for host and its key.
func writePair(t *testing.T, dir, host string, serial int64) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	// Written beside and renamed over, as renewal tools do.
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file+".new", pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(file+".new", file); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func served(t *testing.T, c *Certificate) int64 {
	t.Helper()
	pair, err := c.TLSConfig().GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return pair.Leaf.SerialNumber.Int64()
}

// A pair for another host is refused at start; a renewed pair is served to
// the next handshake; a renewal that does not cover the host is not, and
// the previous pair stays.
func TestCertificateRenewsWithoutARestart(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	certFile, keyFile := writePair(t, dir, "other.example", 1)
	if _, err := LoadCertificate(certFile, keyFile, "app.example", logger); err == nil ||
		!strings.Contains(err.Error(), "does not cover the site's host app.example: it names other.example") {
		t.Errorf("a pair for another host: %v", err)
	}
	writePair(t, dir, "app.example", 2)
	c, err := LoadCertificate(certFile, keyFile, "app.example", logger)
	if err != nil {
		t.Fatal(err)
	}
	if got := served(t, c); got != 2 {
		t.Fatalf("serves serial %d, want 2", got)
	}
	writePair(t, dir, "app.example", 3)
	if got := served(t, c); got != 3 {
		t.Errorf("after renewal serves serial %d, want 3", got)
	}
	writePair(t, dir, "other.example", 4)
	if got := served(t, c); got != 3 {
		t.Errorf("after a renewal for another host serves serial %d, want 3 still", got)
	}
}
