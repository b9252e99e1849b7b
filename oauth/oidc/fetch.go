package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// maxDocumentSize bounds the discovery document and the JWKS. Real ones are
// a few kilobytes; the limit keeps a broken or hostile provider from
// filling our memory.
const maxDocumentSize = 1 << 20 // 1 MiB

// defaultFetchTimeout bounds each fetch when the caller passes no client.
const defaultFetchTimeout = 10 * time.Second

// withoutRedirects returns a copy of client that does not follow redirects;
// a nil client becomes a plain one with defaultFetchTimeout. The caller's
// client is left as it is.
//
// The discovery document and the JWKS are what every later check rests on,
// so they must come from the URL we asked for, which names the issuer's
// own host: a redirect could hand us anyone's keys. Copying the client
// keeps its Transport (and so its connection pool), Timeout and Jar.
func withoutRedirects(client *http.Client) *http.Client {
	var copied http.Client
	if client == nil {
		copied.Timeout = defaultFetchTimeout
	} else {
		copied = *client
	}
	copied.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &copied
}

// fetchJSON GETs rawURL with client and decodes the JSON body into dst. It
// fetches only URLs that checkEndpointURL accepts, wants status 200 (so a
// redirect is an error, given a client from withoutRedirects), and reads
// at most maxDocumentSize bytes.
func fetchJSON(ctx context.Context, client *http.Client, rawURL string, dst any) error {
	if err := checkEndpointURL(rawURL); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("HTTP %d: redirects are not followed", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentSize+1))
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	if len(body) > maxDocumentSize {
		return fmt.Errorf("the body is larger than %d bytes", maxDocumentSize)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("the body is not the JSON expected: %w", err)
	}
	return nil
}

// checkEndpointURL applies the rule every provider URL shares, here as in
// the rest of the application: an absolute https URL. Plain http is
// allowed for loopback hosts only, because there the traffic never leaves
// the machine; anywhere else anyone on the path could swap the keys.
func checkEndpointURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" ||
		(u.Scheme != "https" && (u.Scheme != "http" || !isLoopbackHost(u.Hostname()))) {
		return errors.New("must be an absolute https URL (plain http is allowed only for loopback hosts)")
	}
	if u.User != nil {
		return errors.New("must not contain a user name or password")
	}
	// A fragment is never sent to a server, so one here is a mistake.
	if strings.Contains(raw, "#") {
		return errors.New("must not contain a fragment (#...)")
	}
	return nil
}

// isLoopbackHost accepts localhost and loopback IP addresses
// (127.0.0.0/8, ::1), including IPv4 ones written as IPv6.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}
