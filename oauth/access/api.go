package access

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"oauthlogin/oauth"
)

// getJSON asks the provider's API at url with tok, through c.Get and so
// with the login's rules for every call to the provider (the token in the
// header only, timeout, size limit, no redirects), and decodes a 200 JSON
// answer into v. Anything else fails the login as a failed call to the
// provider: a rule that cannot be checked must not admit, nor refuse.
func getJSON(ctx context.Context, c *oauth.Client, tok *oauth.Token, url string, v any) error {
	status, _, body, err := c.Get(ctx, tok, url)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("%w: HTTP %d", oauth.ErrUnexpectedResponse, status)
	} else if err == nil && json.Unmarshal(body, v) != nil {
		err = fmt.Errorf("%w: not the JSON expected", oauth.ErrUnexpectedResponse)
	}
	if err != nil {
		return fmt.Errorf("provider API: %w", err)
	}
	return nil
}
