package oauthtest

import (
	"testing"
	"time"
)

func TestExpiredCodesAndTokensAreDropped(t *testing.T) {
	gs := newGrants()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for range 3 {
		code := gs.issueCode(grant{}, now)
		if _, _, err := gs.redeem(code, now, func(*grant) *tokenError { return nil }); err != nil {
			t.Fatal(err.description)
		}
	}
	later := now.Add(tokenLifetime)

	code := gs.issueCode(grant{}, later)
	gs.redeem(code, later, func(*grant) *tokenError { return nil })

	if len(gs.codes) != 1 || len(gs.tokens) != 1 {
		t.Errorf("%d codes and %d tokens kept, want only the live one of each", len(gs.codes), len(gs.tokens))
	}
}

func TestLiveCodesAreBounded(t *testing.T) {
	gs := newGrants()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	oldest := gs.issueCode(grant{}, now)
	var newest string
	for i := range maxLive {
		newest = gs.issueCode(grant{}, now.Add(time.Duration(i+1)*time.Millisecond))
	}

	if len(gs.codes) != maxLive {
		t.Errorf("%d codes kept, want %d", len(gs.codes), maxLive)
	}
	if _, ok := gs.codes[oldest]; ok {
		t.Error("the oldest code was kept; it should have made room")
	}
	if _, ok := gs.codes[newest]; !ok {
		t.Error("the newest code was dropped")
	}
}
