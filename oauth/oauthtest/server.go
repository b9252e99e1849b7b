package oauthtest

import "net/http/httptest"

// Server is a Provider listening on a loopback address, for tests.
type Server struct {
	*Provider
	HTTP *httptest.Server
}

// NewServer starts a Provider for cfg on a loopback address, in the manner
// of [httptest.NewServer]. cfg.RedirectURL is used as is. With cfg.OpenID
// and no cfg.Issuer, the issuer is the server's URL. The caller must call
// Close when done.
func NewServer(cfg Config) *Server {
	return startServer(cfg, "http")
}

// NewTLSServer is like NewServer but serves HTTPS, in the manner of
// [httptest.NewTLSServer]. s.HTTP.Client() trusts its certificate, and
// s.HTTP.Certificate() is the certificate, for a client of one's own.
func NewTLSServer(cfg Config) *Server {
	return startServer(cfg, "https")
}

func startServer(cfg Config, scheme string) *Server {
	// The listener exists before the server starts, so its address can
	// make the issuer before the first request can ask for it.
	srv := httptest.NewUnstartedServer(nil)
	if cfg.OpenID && cfg.Issuer == "" {
		cfg.Issuer = scheme + "://" + srv.Listener.Addr().String()
	}
	p := New(cfg)
	srv.Config.Handler = p
	if scheme == "https" {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	return &Server{Provider: p, HTTP: srv}
}

// AuthorizeURL returns the URL of the authorization endpoint.
func (s *Server) AuthorizeURL() string { return s.HTTP.URL + "/authorize" }

// TokenURL returns the URL of the token endpoint.
func (s *Server) TokenURL() string { return s.HTTP.URL + "/token" }

// UserURL returns the URL of the user endpoint.
func (s *Server) UserURL() string { return s.HTTP.URL + "/user" }

// Close shuts the server down. Requests still held by [TokenHang] end with a
// broken connection rather than an answer.
func (s *Server) Close() {
	// Closing the connections cancels the contexts TokenHang waits on; the
	// server would otherwise wait for those requests for ever.
	s.HTTP.CloseClientConnections()
	s.HTTP.Close()
}
