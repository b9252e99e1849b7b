package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

// TestFloodThatKeepsItsRecordsGoingIsBounded is issue 18's flood on the
// built binary (oauth/SECURITY.md #45): new visitors from many addresses
// fill MAX_PENDING_SESSIONS, then each comes back to its record, through
// the signed-out page, which does not log in, and by starting another
// login while cancelling its first, both at once. Round after round, the
// records of unfinished logins never pass MAX_PENDING_SESSIONS.
//
// The binary runs on the real clock, so the test's few seconds show the
// races, not the hours: in oauth/limit,
// TestIssue18_TouchedRecordsStayWithinTheBound comes back to the records
// for 8 hours on a fake clock.
func TestFloodThatKeepsItsRecordsGoingIsBounded(t *testing.T) {
	t.Parallel()
	const max, rounds = 50, 10
	a := startApp(t, appOptions{Env: map[string]string{
		"LOGIN_RATE_LIMIT": "0", "MAX_PENDING_SESSIONS": fmt.Sprint(max), "TRUSTED_PROXIES": "127.0.0.1", "LOG_LEVEL": "info",
	}})
	c := &floodClient{appURL: a.URL, client: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	var waiting []flooder // visitors with a login in progress
	refused := 0          // new visitors sent away at the bound
	for round := range rounds {
		for i := range max + 5 {
			v := flooder{from: fmt.Sprintf("203.0.113.%d", 1+i%60)}
			start, err := c.get("/", &v)
			if err != nil {
				t.Fatal(err)
			}
			switch start.status {
			case http.StatusFound:
				v.state = mustParse(start.location).Query().Get("state")
				waiting = append(waiting, v)
			case http.StatusServiceUnavailable:
				refused++
			default:
				t.Fatalf("a new visitor: %d, want 302 or 503", start.status)
			}
		}
		if n := countEntries(t, a.SessionDir); n > max {
			t.Fatalf("round %d, after new visitors: %d records of unfinished logins; MAX_PENDING_SESSIONS is %d", round+1, n, max)
		}

		after := make([]flooder, len(waiting))
		var wg sync.WaitGroup
		for i, v := range waiting {
			wg.Go(func() {
				if _, err := c.get("/signed-out", &v); err != nil {
					t.Error(err)
					return
				}
				again, cancel := v, v
				var both sync.WaitGroup
				var start reply
				var startErr, cancelErr error
				both.Go(func() { start, startErr = c.get("/", &again) })
				both.Go(func() {
					_, cancelErr = c.get("/oauth/callback?error=access_denied&state="+url.QueryEscape(v.state), &cancel)
				})
				both.Wait()
				if startErr != nil || cancelErr != nil {
					t.Error(startErr, cancelErr)
					return
				}
				// The browser keeps the cookie of the start if it set one,
				// or else the callback's verdict on the old one.
				if again.cookie == v.cookie {
					again.cookie = cancel.cookie
				}
				again.state = ""
				if start.status == http.StatusFound {
					again.state = mustParse(start.location).Query().Get("state")
				}
				after[i] = again
			})
		}
		wg.Wait()
		waiting = waiting[:0]
		for _, v := range after {
			if v.state != "" {
				waiting = append(waiting, v)
			}
		}
		if n := countEntries(t, a.SessionDir); n > max {
			t.Fatalf("round %d, after the races: %d records of unfinished logins; MAX_PENDING_SESSIONS is %d", round+1, n, max)
		}
	}
	if refused == 0 {
		t.Error("no new visitor was refused: the flood never reached the bound")
	}
}

// flooder is one visitor of the flood: its address behind the trusted
// proxy, its session cookie ("" for none) and the state of its login in
// progress.
type flooder struct {
	from, cookie, state string
}

// floodClient sends a flood's requests, without a cookie jar: each
// visitor carries its own cookie.
type floodClient struct {
	appURL string
	client *http.Client
}

// get sends GET path as v, and keeps in v the session cookie the answer
// sets or ends.
func (c *floodClient) get(path string, v *flooder) (reply, error) {
	req, err := http.NewRequest(http.MethodGet, c.appURL+path, nil)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("X-Forwarded-For", v.from)
	if v.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: v.cookie})
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	resp.Body.Close()
	for _, cookie := range resp.Cookies() {
		if cookie.Name == sessionCookie {
			v.cookie = cookie.Value
			if cookie.MaxAge < 0 {
				v.cookie = ""
			}
		}
	}
	return reply{status: resp.StatusCode, header: resp.Header, location: resp.Header.Get("Location")}, nil
}
