package settings

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Tokens configures the tokens kept to act for the person at the provider
// (package oauth/tokens). With Keep false, the access token is dropped
// once the login knows who logged in, and nothing else here matters.
type Tokens struct {
	Keep bool // KEEP_TOKENS
	// RevocationURL is where logout revokes the kept tokens (RFC 7009);
	// with OpenID Connect, discovery's revocation_endpoint when empty.
	RevocationURL string
	// DevAccessTokenLifetime is how long the development provider's
	// access tokens last, so that a refresh can be seen locally.
	DevAccessTokenLifetime time.Duration
}

// LogValue implements [slog.LogValuer].
func (t Tokens) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("keep_tokens", t.Keep),
		slog.String("revocation_url", t.RevocationURL),
		slog.String("dev_access_token_lifetime", t.DevAccessTokenLifetime.String()),
	)
}

// The bounds of DEV_ACCESS_TOKEN_LIFETIME: a second is enough to watch
// refreshes go by, and the development provider keeps every token it
// issues in memory until it expires.
const (
	minDevAccessTokenLifetime = time.Second
	maxDevAccessTokenLifetime = 24 * time.Hour
)

// maxPreviousSecrets bounds SECRET_PREVIOUS: each older key costs every
// load of a session not found under the current one a look more.
const maxPreviousSecrets = 5

// tokens reads the settings of the tokens layer, and SECRET_PREVIOUS.
func (c *checker) tokens(s *Settings) {
	t := &s.Tokens
	t.Keep = c.boolean("KEEP_TOKENS")
	t.RevocationURL = c.optionalURL("REVOCATION_URL", checkProviderURL)
	// The development provider revokes beside its token endpoint, over
	// http or https as that one is.
	if _, set := c.lookup("REVOCATION_URL"); !set && s.Server.InsecureDevProvider {
		t.RevocationURL = strings.TrimSuffix(s.OAuth.TokenURL, "/token") + "/revoke"
	}
	t.DevAccessTokenLifetime = c.durationBetween("DEV_ACCESS_TOKEN_LIFETIME",
		minDevAccessTokenLifetime, maxDevAccessTokenLifetime)

	s.Session.SecretPrevious = NewSecret(c.text("SECRET_PREVIOUS"))
	previous := s.Session.PreviousSecrets()
	c.check(len(previous) <= maxPreviousSecrets, "SECRET_PREVIOUS",
		fmt.Sprintf("must hold at most %d keys", maxPreviousSecrets))
	for i, secret := range previous {
		// The problem names the entry by its place: its value is secret.
		c.check(utf8.RuneCountInString(secret) >= minSecretLength, "SECRET_PREVIOUS",
			fmt.Sprintf("entry %d must be at least %d characters long", i+1, minSecretLength))
		c.check(secret != s.Session.Secret.Reveal(), "SECRET_PREVIOUS",
			fmt.Sprintf("entry %d is SECRET itself; list only the keys SECRET replaced", i+1))
	}
}

// PreviousSecrets are the older SECRETs of SECRET_PREVIOUS, newest first as
// given, each trimmed of spaces.
func (s Session) PreviousSecrets() []string {
	var secrets []string
	for _, secret := range strings.Split(s.SecretPrevious.Reveal(), ",") {
		if secret = strings.TrimSpace(secret); secret != "" {
			secrets = append(secrets, secret)
		}
	}
	return secrets
}
