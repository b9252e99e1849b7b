package oauth

import "net/http"

// Failure is what the visitor is told when a request cannot go on: an HTTP
// status and words for people. Title and Message never carry error text,
// provider text or request input, so nothing secret or hostile reaches the
// page (RFC 6749 §4.1.2.1 leaves error descriptions to the provider, and
// an attacker can write one into any callback URL).
type Failure struct {
	Status  int
	Title   string
	Message string

	// User, set only when an [Admit] refused the account, is who the
	// provider logged in, for the page to name: provider text, bounded.
	User *User
}

// FailurePage renders a Failure as a complete response.
type FailurePage func(w http.ResponseWriter, r *http.Request, f Failure)

// The failures this package reports.
var (
	failLoginRequired = Failure{Status: http.StatusUnauthorized, Title: "Login required",
		Message: "This page needs you to be logged in. Open it in your browser to log in."}
	failBadCallback = Failure{Status: http.StatusBadRequest, Title: "This login link is not valid",
		Message: "It may have expired, been used already, or been opened in another browser. Please start again."}
	failNoSessionCookie = Failure{Status: http.StatusBadRequest, Title: "Your browser did not keep the login going",
		Message: "The login came back without this site's session cookie, so it cannot be finished. " +
			"Check that you opened this site at the same address the login came back to (localhost and 127.0.0.1, " +
			"or two ports, are different sites to a browser), that cookies are allowed for this site, " +
			"and that you finish the login in the browser you started it in. Then open the page again."}
	failNotAdmitted = Failure{Status: http.StatusForbidden, Title: "This account may not use this site",
		Message: "The provider logged you in, but this site does not admit that account. If you should have access, " +
			"give the site's owner the account's id; or log in as someone else."}
	failCancelled = Failure{Status: http.StatusForbidden, Title: "Login was cancelled",
		Message: "You did not approve the login at the provider, so you are not logged in."}
	failProviderRefused = Failure{Status: http.StatusBadGateway, Title: "The provider could not log you in",
		Message: "The login provider reported a problem. Please try again."}
	failMisconfigured = Failure{Status: http.StatusBadGateway, Title: "This site's login is misconfigured",
		Message: "The login provider refused this site's own registration or settings, so nobody can log in here until " +
			"the site's administrator corrects them. Trying again will not help; please tell the administrator."}
	failProviderBroken = Failure{Status: http.StatusBadGateway, Title: "The provider gave an unexpected answer",
		Message: "The login provider's answer could not be used. Please try again in a moment."}
	failLoginTooLarge = Failure{Status: http.StatusBadGateway, Title: "The provider sent more than this site can keep",
		Message: "The login provider's answer about you is too large to keep in your session, so you are not logged in. " +
			"Please tell the site's administrator."}
	failProviderUnreachable = Failure{Status: http.StatusBadGateway, Title: "The provider could not be reached",
		Message: "The login provider did not accept a connection. Please try again in a moment."}
	failProviderTimeout = Failure{Status: http.StatusGatewayTimeout, Title: "The provider did not answer",
		Message: "The login provider took too long to answer. Please try again in a moment."}
	failProviderUnavailable = Failure{Status: http.StatusServiceUnavailable, Title: "The provider is unavailable",
		Message: "The login provider says it is busy or down for now. Please try again in a moment."}
	failSessionStore = Failure{Status: http.StatusServiceUnavailable, Title: "Sessions are unavailable",
		Message: "The server could not save your session. Please try again in a moment."}
)
