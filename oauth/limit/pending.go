package limit

import (
	"sync"
	"time"
)

// PendingLimit bounds, across all clients, how many session records of
// logins in progress the server holds at once. [RateLimit] bounds what one
// address can do, but an attacker with many addresses could still fill
// the disk; this bound holds whoever asks (RFC 6819 §4.4.1.11).
//
// It counts every login start for Window, and forgets a start sooner when
// the start's callback uses it up ([PendingLimit.Release]); a start that
// finds Max starts counted is refused. That bounds the records because:
//
//   - only a login start creates a record of logins in progress, and each
//     start writes to one record;
//   - the login gives such a record a deadline, the start of its newest
//     attempt that is still waiting for its callback plus
//     [oauth.PendingLifetime], which no later visit pushes back; the store
//     then removes it, a FileStore's sweep within its interval;
//   - so every such record in the store holds an attempt started within
//     Window that no callback has used up, and that start still counts.
//     No two records hold the same start, so there are at most Max.
//
// Every start counts, also one from a visitor who has a record already:
// counting only the starts that seemed to create a record was a guess,
// which a callback emptying that record at the same moment made wrong.
//
// The price is availability: while Max starts are counted, a login start
// gets an error page instead of the provider, until older starts expire
// or their logins are finished. Visitors who are logged in start no login
// and are not affected. The bound is per process: several instances on
// one session store each allow Max.
type PendingLimit struct {
	// Max is how many login starts may count at once. With Max 0 no
	// login can start: to have no bound, leave the PendingLimit out of
	// [Limits].
	Max int

	// Window is how long a start counts: oauth.PendingLifetime plus the
	// longest a record may stay in the store after its deadline (a
	// FileStore's sweep interval; nothing for a store that removes
	// records on time, as Redis does). A shorter Window lets records
	// pile up past Max.
	Window time.Duration

	mu     sync.Mutex
	counts []minuteCount // a ring, one slot per minute of the window
}

type minuteCount struct {
	minute int64 // Unix time in minutes
	n      int
}

// Allow reports whether one more login may start at now, and counts it if
// so.
func (l *PendingLimit) Allow(now time.Time) bool {
	minute := now.Unix() / 60
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		// The whole minutes that cover the window, the current partial
		// one, and a spare: the login reads the clock after Allow, so a
		// start counted at the end of a minute may be released with the
		// next, taking the count of a start of that minute, and the count
		// left in its place must last as long as that start's record.
		l.counts = make([]minuteCount, int((l.Window+time.Minute-1)/time.Minute)+2)
	}
	if l.countLocked(minute) >= l.Max {
		return false
	}
	slot := l.slot(minute)
	if slot.minute != minute {
		*slot = minuteCount{minute: minute}
	}
	slot.n++
	return true
}

// Release forgets the start that Allow counted at started, once its
// callback has used it up: a site where many people log in must not run
// into the bound for logins they finished.
func (l *PendingLimit) Release(started time.Time) {
	minute := started.Unix() / 60
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		return
	}
	// A slot that has moved on to a later minute no longer holds the start.
	if slot := l.slot(minute); slot.minute == minute && slot.n > 0 {
		slot.n--
	}
}

// Count is how many login starts count toward Max at now: an upper bound
// on the session records of logins in progress, for a gauge. It changes
// nothing.
func (l *PendingLimit) Count(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.countLocked(now.Unix() / 60)
}

// countLocked adds up the starts of the ring's minutes that are still in
// the window at minute. The caller holds l.mu.
func (l *PendingLimit) countLocked(minute int64) int {
	total := 0
	for _, c := range l.counts {
		if minute-c.minute < int64(len(l.counts)) {
			total += c.n
		}
	}
	return total
}

// slot is the ring's slot for minute.
func (l *PendingLimit) slot(minute int64) *minuteCount {
	n := int64(len(l.counts))
	return &l.counts[(minute%n+n)%n]
}
