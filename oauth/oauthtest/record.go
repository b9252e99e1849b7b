package oauthtest

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
)

// RecordedRequest is what the provider received in one request to an
// endpoint, kept so that tests can check what an app sent.
type RecordedRequest struct {
	Method   string
	Header   http.Header
	RawQuery string
	Form     url.Values // the parameters in the request body; empty for a GET
}

// recordLimit is how many requests each endpoint remembers: the most recent
// ones, which is all a test looks at, while a long-running development
// server keeps only a bounded history.
const recordLimit = 100

// A recorder counts the requests to one endpoint and keeps the latest ones.
type recorder struct {
	mu       sync.Mutex
	calls    int
	requests []RecordedRequest
}

// record keeps r. The caller must have parsed r's form, so that the body's
// parameters are in r.PostForm.
func (rec *recorder) record(r *http.Request) {
	recorded := RecordedRequest{
		Method:   r.Method,
		Header:   r.Header.Clone(),
		RawQuery: r.URL.RawQuery,
		Form:     cloneValues(r.PostForm),
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.calls++
	if len(rec.requests) == recordLimit {
		rec.requests = slices.Delete(rec.requests, 0, 1)
	}
	rec.requests = append(rec.requests, recorded)
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.calls
}

// list returns copies of the recorded requests, oldest first, so that a
// caller changing them cannot change what later calls return.
func (rec *recorder) list() []RecordedRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := make([]RecordedRequest, len(rec.requests))
	for i, r := range rec.requests {
		out[i] = RecordedRequest{
			Method:   r.Method,
			Header:   r.Header.Clone(),
			RawQuery: r.RawQuery,
			Form:     cloneValues(r.Form),
		}
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for key, values := range v {
		out[key] = slices.Clone(values)
	}
	return out
}

// TokenCalls returns how many requests POST /token has received, including
// refused ones and those answered with a [Misbehaviour].
func (p *Provider) TokenCalls() int { return p.tokenRecorder.count() }

// UserCalls returns how many requests GET /user has received, including
// refused ones and those answered with a [Misbehaviour].
func (p *Provider) UserCalls() int { return p.userRecorder.count() }

// TokenRequests returns the requests to POST /token, oldest first: all of
// them, or the latest 100 if there were more.
func (p *Provider) TokenRequests() []RecordedRequest { return p.tokenRecorder.list() }

// UserRequests returns the requests to GET /user, oldest first: all of
// them, or the latest 100 if there were more.
func (p *Provider) UserRequests() []RecordedRequest { return p.userRecorder.list() }

// EmailsCalls returns how many requests GET /user/emails has received,
// including refused ones and those answered with a [Misbehaviour].
func (p *Provider) EmailsCalls() int { return p.emailsRecorder.count() }

// EmailsRequests returns the requests to GET /user/emails, oldest first:
// all of them, or the latest 100 if there were more.
func (p *Provider) EmailsRequests() []RecordedRequest { return p.emailsRecorder.list() }

// UserinfoCalls returns how many requests /userinfo has received,
// including refused ones and those answered with a [Misbehaviour].
func (p *Provider) UserinfoCalls() int { return p.userinfoRecorder.count() }

// UserinfoRequests returns the requests to /userinfo, oldest first: all of
// them, or the latest 100 if there were more.
func (p *Provider) UserinfoRequests() []RecordedRequest { return p.userinfoRecorder.list() }

// LogoutCalls returns how many requests /logout has received, including
// refused ones.
func (p *Provider) LogoutCalls() int { return p.logoutRecorder.count() }

// LogoutRequests returns the requests to /logout, oldest first: all of
// them, or the latest 100 if there were more.
func (p *Provider) LogoutRequests() []RecordedRequest { return p.logoutRecorder.list() }

// JWKSCalls returns how many requests GET /jwks has received.
func (p *Provider) JWKSCalls() int { return int(p.jwksCalls.Load()) }
