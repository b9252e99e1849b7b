package oauthtest

import "net/http/httptest"

// Server is a Provider listening on a loopback address, for tests.
type Server struct {
	*Provider
	HTTP *httptest.Server
}

// NewServer starts a Provider for cfg on a loopback address, in the manner
// of [httptest.NewServer]. cfg.RedirectURL is used as is. The caller must
// call Close when done.
func NewServer(cfg Config) *Server {
	p := New(cfg)
	return &Server{Provider: p, HTTP: httptest.NewServer(p)}
}

// NewTLSServer is like NewServer but serves HTTPS, in the manner of
// [httptest.NewTLSServer]. s.HTTP.Client() trusts its certificate, and
// s.HTTP.Certificate() is the certificate, for a client of one's own.
func NewTLSServer(cfg Config) *Server {
	p := New(cfg)
	return &Server{Provider: p, HTTP: httptest.NewTLSServer(p)}
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
