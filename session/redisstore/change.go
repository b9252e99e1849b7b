package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"oauthlogin/session"
)

// The pause between two tries of a Change: a random time below a ceiling
// that starts at firstBackoff and doubles with each conflict, up to
// backoffDoublings times (1 ms, 2 ms, … 64 ms).
const (
	firstBackoff     = time.Millisecond
	backoffDoublings = 6
)

// Change implements session.AtomicStore with WATCH, MULTI and EXEC: EXEC
// applies the writes only if no other client changed the watched key since
// WATCH, and otherwise answers with a null reply, after which Change reads
// the record again and calls fn again.
//
// The Manager queues the changes to one session within an instance, so a
// conflict is with another instance, which may have a queue of its own to
// get through. Trying again at once would mostly lose to the next change
// in that queue; instead Change waits a random time first, up to a ceiling
// that doubles with each conflict (exponential back-off with full jitter),
// so that instances that collided try again at different moments. The
// tries together are bounded by ctx and by Timeout; conflicts that last
// that long end in an error wrapping session.ErrConflict.
func (s *Store) Change(parent context.Context, id string, fn func(rec []byte, found bool) ([]session.Write, error)) error {
	ctx, cancel := context.WithTimeout(parent, s.timeout)
	defer cancel()
	keys := s.keys(id) // the current key's name, and older keys' (rotation.go)
	for conflicts := 0; ; conflicts++ {
		done, err := s.tryChange(ctx, keys, fn)
		if err != nil && conflicts > 0 && ctx.Err() != nil && parent.Err() == nil {
			// Timeout ran out in the middle of a try that followed
			// conflicts: the conflicts outlasted it, whichever step of
			// the try it cut short.
			return fmt.Errorf("change session: %w (%d tries, the last cut short): %w", session.ErrConflict, conflicts+1, err)
		}
		if err != nil || done {
			return err
		}
		if !backOff(ctx, conflicts) {
			return fmt.Errorf("change session: %w (%d tries)", session.ErrConflict, conflicts+1)
		}
	}
}

// tryChange makes one try of Change, and reports whether it is done: the
// writes were applied, or there were none to apply. Not done means that
// another client changed the record meanwhile. fn's error comes back as it
// is.
func (s *Store) tryChange(ctx context.Context, keys [][]byte, fn func(rec []byte, found bool) ([]session.Write, error)) (done bool, err error) {
	var fnErr error
	err = s.do(ctx, func(c *redisConn) error {
		replies, err := c.roundTrip(append([][][]byte{append(args("WATCH"), keys...)}, readCommands(keys)...)...)
		if err != nil {
			return err
		}
		if err := expectOK(replies[0]); err != nil {
			return err
		}
		rec, found, err := firstRecord(replies[1:])
		if err != nil {
			// Leave the connection as clean as it was found.
			if _, unwatchErr := c.roundTrip(args("UNWATCH")); unwatchErr != nil {
				return unwatchErr
			}
			return err
		}
		writes, err := fn(rec, found)
		if err == nil {
			err = checkSizes(writes)
		}
		if err != nil || len(writes) == 0 {
			fnErr, done = err, true
			replies, err := c.roundTrip(args("UNWATCH"))
			if err != nil {
				return err
			}
			return expectOK(replies[0])
		}
		cmds := make([][][]byte, 0, len(writes)+2)
		cmds = append(cmds, args("MULTI"))
		for _, w := range writes {
			cmds = append(cmds, s.writeCommands(w)...) // with the index (index.go)
			if w.Rec != nil {
				cmds = append(cmds, s.dropPrevious(w.ID)...) // rotation.go
			}
		}
		cmds = append(cmds, args("EXEC"))
		c.changing = true
		if replies, err = c.roundTrip(cmds...); err != nil {
			return err
		}
		done, err = committed(replies)
		return err
	})
	if fnErr != nil {
		return true, fnErr
	}
	if err != nil {
		return false, fmt.Errorf("change session: %w", err)
	}
	return done, nil
}

// backOff waits before the try that follows the given number of conflicts
// (0 after the first). It reports false, and does not wait, if ctx would
// end first.
func backOff(ctx context.Context, conflicts int) bool {
	wait := rand.N(firstBackoff << min(conflicts, backoffDoublings))
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
		return false
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// checkSizes refuses writes that Load could not read back.
func checkSizes(writes []session.Write) error {
	for _, w := range writes {
		if len(w.Rec) > session.MaxRecordSize {
			return fmt.Errorf("%w: %d bytes", session.ErrRecordTooLarge, len(w.Rec))
		}
	}
	return nil
}

// committed reads the replies to MULTI, the queued writes and EXEC, and
// reports whether EXEC applied the writes.
func committed(replies []reply) (bool, error) {
	if err := expectOK(replies[0]); err != nil {
		return false, err
	}
	last := len(replies) - 1
	for _, r := range replies[1:last] {
		if r.kind == '-' {
			return false, redisError(r.str)
		}
	}
	exec := replies[last]
	switch {
	case exec.kind == '-':
		return false, redisError(exec.str)
	case exec.kind == '*' && exec.null:
		return false, nil // a watched key changed: nothing was applied
	case exec.kind != '*' || len(exec.array) != last-1:
		return false, fmt.Errorf("%w: EXEC answered with an unexpected reply", errProtocol)
	}
	for _, r := range exec.array {
		if err := written(r); err != nil {
			return false, err
		}
	}
	return true, nil
}
