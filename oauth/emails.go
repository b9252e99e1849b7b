package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// primaryEmail asks EmailsURL for the user's addresses and returns the
// primary one, if the provider has verified it. GitHub leaves email null
// in the profile of a user who keeps it private, and lists it here instead
// for a token with the user:email scope.
//
// An unverified address is not returned: anyone can type any address into
// their account, so it says nothing about who they are. No usable address
// is not an error; the user simply has none to show.
func (c *Client) primaryEmail(ctx context.Context, tok *Token) (string, error) {
	status, _, body, err := c.Get(ctx, tok, c.cfg.EmailsURL)
	if err != nil {
		return "", fmt.Errorf("fetch e-mail addresses: %w", err)
	}
	if status != http.StatusOK {
		// Without the user:email scope GitHub answers 404: the address
		// stays private, which is the user's choice to make.
		return "", nil
	}
	var addresses []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := json.Unmarshal(body, &addresses); err != nil {
		return "", fmt.Errorf("fetch e-mail addresses: %w: not a JSON list", ErrUnexpectedResponse)
	}
	for _, a := range addresses {
		if a.Primary && a.Verified {
			return a.Email, nil
		}
	}
	return "", nil
}
