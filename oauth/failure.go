package oauth

import "net/http"

// Failure is what the visitor is told when a request cannot go on: an HTTP
// status and words for people. It never carries error text, provider text
// or request input, so nothing secret or hostile reaches the page
// (SECURITY-CHECKLIST #10, #49).
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
	failCancelled = Failure{http.StatusForbidden, "Login was cancelled",
		"You did not approve the login at the provider, so you are not logged in."}
	failProviderRefused = Failure{http.StatusBadGateway, "The provider could not log you in",
		"The login provider reported a problem. Please try again."}
	failProviderBroken = Failure{http.StatusBadGateway, "The provider gave an unexpected answer",
		"The login provider's answer could not be used. Please try again in a moment."}
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
