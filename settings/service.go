package settings

import "time"

// maxShutdownDelay bounds SHUTDOWN_DELAY: load balancers probe every few
// seconds, and an orchestrator kills a process that takes much longer to
// stop (Kubernetes waits 30 seconds by default).
const maxShutdownDelay = time.Minute

// service reads the settings for running the app as a service: https
// without a proxy, metrics, and how it stops. s holds the rest of the
// settings already.
func (c *checker) service(s *Settings) {
	srv := &s.Server
	srv.TLSCertFile = c.given("TLS_CERT_FILE")
	srv.TLSKeyFile = c.given("TLS_KEY_FILE")
	srv.MetricsAddr = c.given("METRICS_ADDR")
	srv.InsecureMetricsPublic = c.boolean("INSECURE_METRICS_PUBLIC")
	srv.ShutdownDelay = c.durationBetween("SHUTDOWN_DELAY", 0, maxShutdownDelay)

	// A certificate without its key, or a key without its certificate,
	// is a half-done set-up, not plain http.
	c.check(srv.TLSKeyFile == "" || srv.TLSCertFile != "", "TLS_CERT_FILE",
		"must be set with TLS_KEY_FILE: the certificate the key belongs to")
	c.check(srv.TLSCertFile == "" || srv.TLSKeyFile != "", "TLS_KEY_FILE",
		"must be set with TLS_CERT_FILE: the certificate's private key")
	// Serving https, the app is what browsers reach: the provider must
	// send them back over https too (RFC 6749 §10.5, oauth/SECURITY.md #14).
	if srv.TLSCertFile != "" && !c.failed["REDIRECT_URL"] {
		c.check(!isPlainHTTP(s.OAuth.RedirectURL), "REDIRECT_URL",
			"must be https when the app serves https itself (TLS_CERT_FILE)")
	}

	// The metrics tell how busy the site is and how its logins fail, so,
	// like the development provider, they stay on this machine unless
	// someone says otherwise.
	if srv.MetricsAddr != "" {
		if err := checkListenAddr(srv.MetricsAddr); err != nil {
			c.problem("METRICS_ADDR", err.Error())
		}
		c.check(srv.InsecureMetricsPublic || isLoopbackListenAddr(srv.MetricsAddr), "METRICS_ADDR",
			"must be on a loopback host (localhost:9100, 127.0.0.1:9100), since other machines could read "+
				"it; set INSECURE_METRICS_PUBLIC=true if the address is on the monitoring's own network")
		c.check(srv.MetricsAddr != srv.Addr, "METRICS_ADDR", "must not be the address the app listens on")
	}
}
