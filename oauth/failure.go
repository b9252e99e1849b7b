package oauth

import "net/http"

// Failure is what the visitor is told when a request cannot go on: an HTTP
// status and words for people. It never carries error text, provider text
// or request input, so nothing secret or hostile reaches the page
// (RFC 6749 §4.1.2.1 leaves error descriptions to the provider, and an
// attacker can write one into any callback URL).
type Failure struct {
	Status  int
	Title   string
	Message string
}

// FailurePage renders a Failure as a complete response.
type FailurePage func(w http.ResponseWriter, r *http.Request, f Failure)

// The failures this package reports.
var (
	failLoginRequired = Failure{http.StatusUnauthorized, "Login required",
		"This page needs you to be logged in. Open it in your browser to log in."}
	failBadCallback = Failure{http.StatusBadRequest, "This login link is not valid",
		"It may have expired, been used already, or been opened in another browser. Please start again."}
	failNoSessionCookie = Failure{http.StatusBadRequest, "Your browser did not keep the login going",
		"The login came back without this site's session cookie, so it cannot be finished. " +
			"Check that cookies are allowed for this site, that you finish the login in the browser you started it in, " +
			"and, if this site is served over plain http, that your browser accepts its cookie there. Then open the page again."}
	failCancelled = Failure{http.StatusForbidden, "Login was cancelled",
		"You did not approve the login at the provider, so you are not logged in."}
	failProviderRefused = Failure{http.StatusBadGateway, "The provider could not log you in",
		"The login provider reported a problem. Please try again."}
	failProviderBroken = Failure{http.StatusBadGateway, "The provider gave an unexpected answer",
		"The login provider's answer could not be used. Please try again in a moment."}
	failLoginTooLarge = Failure{http.StatusBadGateway, "The provider sent more than this site can keep",
		"The login provider's answer about you is too large to keep in your session, so you are not logged in. " +
			"Please tell the site's administrator."}
	failProviderUnreachable = Failure{http.StatusBadGateway, "The provider could not be reached",
		"The login provider did not accept a connection. Please try again in a moment."}
	failProviderTimeout = Failure{http.StatusGatewayTimeout, "The provider did not answer",
		"The login provider took too long to answer. Please try again in a moment."}
	failProviderUnavailable = Failure{http.StatusServiceUnavailable, "The provider is unavailable",
		"The login provider says it is busy or down for now. Please try again in a moment."}
	failTooManyRequests = Failure{http.StatusTooManyRequests, "Too many attempts",
		"There have been too many login attempts from your network. Please wait a minute and try again."}
	failSessionStore = Failure{http.StatusServiceUnavailable, "Sessions are unavailable",
		"The server could not save your session. Please try again in a moment."}
)
