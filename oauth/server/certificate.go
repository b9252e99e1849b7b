package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Certificate is the TLS certificate a server serves from a pair of
// files. Certificates are renewed every few months, or weeks,
// by a tool that rewrites the two files; a server that read them once
// would serve the old one until someone restarted it, and then fail
// every visitor when it expired. So each TLS handshake looks at the
// files' size and time (two stat calls), and when they changed, loads
// the pair again: the next connection gets the new certificate.
//
// A new pair that does not load (the key written but not yet the
// certificate, a key that is not the certificate's) or that no longer
// covers the site's host is not used: the previous one is served, and the
// log says why, once per change of the files.
type Certificate struct {
	certFile, keyFile string
	host              string // the site's host, which every pair must cover
	logger            *slog.Logger

	mu      sync.Mutex
	current *tls.Certificate
	loaded  filesStamp // what the files looked like when current was loaded
	refused filesStamp // what they looked like when they last failed to load
}

// filesStamp is what a stat tells of the two files: enough to see that
// either was replaced (renamed over, as renewal tools and Kubernetes
// secrets do) or written again.
type filesStamp struct {
	cert, key os.FileInfo
	err       string // why they could not be looked at
}

func stampFiles(certFile, keyFile string) filesStamp {
	cert, certErr := os.Stat(certFile)
	key, keyErr := os.Stat(keyFile)
	if err := errors.Join(certErr, keyErr); err != nil {
		return filesStamp{err: err.Error()}
	}
	return filesStamp{cert: cert, key: key}
}

// same reports whether s and t saw the same files, unchanged.
func (s filesStamp) same(t filesStamp) bool {
	if s.err != "" || t.err != "" {
		return s.err == t.err
	}
	return sameFile(s.cert, t.cert) && sameFile(s.key, t.key)
}

func sameFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// LoadCertificate loads the pair for the first time, and refuses it
// unless it covers host, the name people reach the site by. That is all a
// server can tell: whether browsers trust the certificate's issuer
// depends on the browser, and a private CA is right for an intranet.
func LoadCertificate(certFile, keyFile, host string, logger *slog.Logger) (*Certificate, error) {
	c := &Certificate{certFile: certFile, keyFile: keyFile, host: host, logger: logger}
	c.loaded = stampFiles(certFile, keyFile)
	var err error
	if c.current, err = c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

// load reads and checks the pair.
func (c *Certificate) load() (*tls.Certificate, error) {
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("load the certificate and key: %w", err)
	}
	// The names a browser checks are the subject alternative names; Go,
	// like browsers, ignores the common name (RFC 6125 §6.4.4).
	if err := pair.Leaf.VerifyHostname(c.host); err != nil {
		return nil, fmt.Errorf("the certificate does not cover the site's host %s: it names %s",
			c.host, certNames(pair.Leaf))
	}
	return &pair, nil
}

// certNames lists the host names and addresses a certificate is for.
func certNames(leaf *x509.Certificate) string {
	names := slices.Clone(leaf.DNSNames)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no host at all"
	}
	return strings.Join(names, ", ")
}

// get is the tls.Config's GetCertificate.
func (c *Certificate) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := stampFiles(c.certFile, c.keyFile)
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.same(c.loaded) || now.same(c.refused) {
		return c.current, nil
	}
	if now.err != "" {
		c.refused = now
		c.logger.Error("TLS certificate files cannot be read; still serving the previous certificate", "err", now.err)
		return c.current, nil
	}
	pair, err := c.load()
	if err != nil {
		c.refused = now
		c.logger.Error("TLS certificate files changed but cannot be used; still serving the previous certificate",
			"err", err)
		return c.current, nil
	}
	c.current, c.loaded = pair, now
	c.logger.Info("TLS certificate reloaded", "names", certNames(pair.Leaf), "not_after", pair.Leaf.NotAfter)
	return c.current, nil
}

// TLSConfig serves c with TLS 1.2 or later (RFC 9325 §3.1.1); the rest
// is the standard library's choice, which keeps up with the advice.
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.get}
}

// Names lists the host names and addresses the certificate now served is
// for.
func (c *Certificate) Names() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return certNames(c.current.Leaf)
}

// NotAfter is when the certificate now served expires.
func (c *Certificate) NotAfter() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current.Leaf.NotAfter
}
