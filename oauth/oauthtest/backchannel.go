package oauthtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// providerSessions are the sessions this provider has given out in OpenID
// mode: one for each ID token issued, named by its sid (OpenID Connect
// Back-Channel Logout 1.0 §2.1), so that a test can end one and have the
// client told (EndSession).
type providerSessions struct {
	mu        sync.Mutex
	subject   map[string]string // sid → sub
	latestSID string
}

// start begins a provider session for sub and returns its sid.
func (s *providerSessions) start(sub string) string {
	var b [16]byte
	rand.Read(b[:])
	sid := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subject == nil {
		s.subject = make(map[string]string)
	}
	s.subject[sid], s.latestSID = sub, sid
	return sid
}

// end forgets sid and returns its subject, or false for an unknown sid.
func (s *providerSessions) end(sid string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subject[sid]
	delete(s.subject, sid)
	return sub, ok
}

// LatestSessionID is the sid of the last ID token issued: the provider
// session of the login that just finished; "" before any.
func (p *Provider) LatestSessionID() string {
	p.sessions.mu.Lock()
	defer p.sessions.mu.Unlock()
	return p.sessions.latestSID
}

// logoutTokenClaims are the claims of a logout token (Back-Channel Logout
// 1.0 §2.4).
type logoutTokenClaims struct {
	Issuer    string         `json:"iss"`
	Subject   string         `json:"sub"`
	SessionID string         `json:"sid"`
	Audience  string         `json:"aud"`
	IssuedAt  int64          `json:"iat"`
	Expires   int64          `json:"exp"`
	JWTID     string         `json:"jti"`
	Events    map[string]any `json:"events"`
}

// EndSession ends the provider session sid, as an administrator or the
// person's logout at the provider would, and tells the client: it POSTs a
// logout token, signed with the ID tokens' key and typed logout+jwt, to
// backchannelLogoutURL, the client's registered backchannel_logout_uri
// (§2.5). It returns an error for an unknown sid, or unless the client
// answers 200 (§2.8).
func (p *Provider) EndSession(ctx context.Context, backchannelLogoutURL, sid string) error {
	if !p.cfg.OpenID {
		return fmt.Errorf("oauthtest: back-channel logout needs Config.OpenID")
	}
	sub, ok := p.sessions.end(sid)
	if !ok {
		return fmt.Errorf("oauthtest: no provider session %q", sid)
	}
	now := p.now()
	var jti [16]byte
	rand.Read(jti[:])
	key := p.currentKey(p.cfg.IDTokenAlg)
	input := encodeSegment(jwsHeader{Alg: key.alg, KeyID: key.id, Type: "logout+jwt"}) + "." +
		encodeSegment(logoutTokenClaims{
			Issuer: p.cfg.Issuer, Subject: sub, SessionID: sid, Audience: p.cfg.ClientID,
			IssuedAt: now.Unix(), Expires: now.Add(2 * time.Minute).Unix(), JWTID: hex.EncodeToString(jti[:]),
			Events: map[string]any{"http://schemas.openid.net/event/backchannel-logout": struct{}{}},
		})
	token := input + "." + base64.RawURLEncoding.EncodeToString(key.sign([]byte(input)))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, backchannelLogoutURL,
		strings.NewReader(url.Values{"logout_token": {token}}.Encode()))
	if err != nil {
		return fmt.Errorf("oauthtest: back-channel logout: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("oauthtest: back-channel logout: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("oauthtest: back-channel logout: %s: %s", resp.Status, body)
	}
	return nil
}
