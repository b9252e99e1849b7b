package settings

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// OpenURL is the one address to open in a browser: the root of the site
// REDIRECT_URL belongs to. The provider sends people back there, and the
// session cookie belongs to that site, so the app reached under another
// name (127.0.0.1 for localhost) would start each login without its
// cookie. The app prints it at start-up.
func (s Settings) OpenURL() string {
	return siteOrigin(s.OAuth.RedirectURL) + "/"
}

// Warnings lists what, in settings that are valid, is most likely a
// mistake, one sentence each, for the app to log at start-up. None holds
// a secret.
func (s Settings) Warnings() []string {
	var warnings []string
	if w := s.portMismatch(); w != "" {
		warnings = append(warnings, w)
	}
	return warnings
}

// portMismatch warns when the provider would send the browser back to a
// port the app does not listen on, where the login could never finish.
// The app can tell only when nothing stands between it and the browser:
// REDIRECT_URL is plain http (the app serves no TLS, so an https site has
// a proxy in front, which may listen on any port) and no TRUSTED_PROXIES
// are set. Port 0 lets the system choose, and cannot be compared.
func (s Settings) portMismatch() string {
	u, err := url.Parse(s.OAuth.RedirectURL)
	if err != nil || u.Scheme != "http" || len(s.Server.TrustedProxies) > 0 {
		return ""
	}
	_, port, err := net.SplitHostPort(s.Server.Addr)
	listenPort, portErr := strconv.Atoi(port)
	if err != nil || portErr != nil || listenPort == 0 {
		return ""
	}
	redirectPort := 80 // the default port of http (RFC 9110 §4.2.1)
	if p := u.Port(); p != "" {
		redirectPort, err = strconv.Atoi(p)
	}
	if err != nil || redirectPort == listenPort {
		return ""
	}
	return fmt.Sprintf("REDIRECT_URL is on port %d, but the app listens on port %d: after login the provider "+
		"sends the browser to a port nobody answers on. Set PORT=%d, or move REDIRECT_URL (and the redirect "+
		"URI registered with the provider) to port %d.", redirectPort, listenPort, redirectPort, listenPort)
}
