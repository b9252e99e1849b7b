package backchannel

import (
	"context"
	"errors"
	"sync"
	"time"
)

// maxRemembered bounds the in-process replay cache. Logout tokens are
// taken for oidc.MaxLogoutTokenAge at most, so the cache holds the tokens
// of the last few minutes: a provider would have to end this many logins
// in that time to fill it, and then logouts are refused rather than
// memory growing without end.
const maxRemembered = 100_000

// memoryReplay is the ReplayCache of one process.
type memoryReplay struct {
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]time.Time // name → until
}

func newMemoryReplay(now func() time.Time) *memoryReplay {
	return &memoryReplay{now: now, seen: make(map[string]time.Time)}
}

// FirstUse implements ReplayCache.
func (m *memoryReplay) FirstUse(_ context.Context, name string, until time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.seen[name]; ok && now.Before(t) {
		return false, nil
	}
	if len(m.seen) >= maxRemembered {
		for k, t := range m.seen {
			if !now.Before(t) {
				delete(m.seen, k)
			}
		}
		if len(m.seen) >= maxRemembered {
			return false, errors.New("replay cache full")
		}
	}
	m.seen[name] = until
	return true, nil
}
