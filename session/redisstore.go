package session

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// RedisOptions configure a [RedisStore]. Only URL is required.
type RedisOptions struct {
	// URL is redis://[user:password@]host[:port][/db], or rediss://… for
	// TLS. With a password alone the client logs in as the default user;
	// with a user too, as that ACL user. The port defaults to 6379 and the
	// database to 0. The URL is a secret: errors never quote it.
	URL string

	// KeyPrefix starts every key, so that one Redis can serve several
	// applications, and an operator can tell their keys apart. Default
	// "session:".
	KeyPrefix string

	// Timeout bounds each operation (waiting for a connection, dialing,
	// logging in, and the commands) when the request's context has no
	// earlier deadline. Default 2 seconds.
	Timeout time.Duration

	// PoolSize bounds the connections kept open to Redis; an operation
	// waits, within its Timeout, when all are busy. Default 16.
	PoolSize int

	// TLSConfig is used for rediss:// URLs in place of the default, which
	// checks the server's certificate against the system's roots and the
	// URL's host name. Tests give one that trusts their own CA.
	TLSConfig *tls.Config

	// Now is the clock that turns expiry times into time-to-live;
	// time.Now when nil.
	Now func() time.Time
}

// maxChangeAttempts bounds how often Change reads a record again because
// another process changed it meanwhile. Within one process the Manager
// already serialises the changes to a session, so only as many changes as
// there are processes can race; each round lets at least one through.
const maxChangeAttempts = 10

// RedisStore is an [AtomicStore] that keeps sessions in Redis (or Valkey,
// which speaks the same protocol), for several instances of an application
// behind a load balancer.
//
//   - A key is KeyPrefix and the HMAC-SHA-256 of the session ID, the same
//     name a [FileStore] gives its file, so the keys in Redis, a dump or
//     a MONITOR log yield nothing that works as a cookie.
//   - Each record lives as long as the session may (to its idle or
//     absolute timeout, whichever is first): Redis drops it then, so no
//     sweep is needed.
//   - Change is a compare-and-set on the server (WATCH, then MULTI and
//     EXEC): two instances changing one session at once both keep their
//     change, and a session deleted by one instance is never written back
//     by another. Across processes, that is the guarantee a FileStore
//     on a shared directory cannot give.
//   - Every operation is bounded by the request's context and by Timeout.
//     A connection on which anything failed is closed, and the next
//     operation dials a new one, so the store serves again as soon as
//     Redis is back.
type RedisStore struct {
	pool    *redisPool
	names   *namer
	prefix  string
	timeout time.Duration
	now     func() time.Time
}

// NewRedisStore connects to the Redis server at opts.URL and checks that it
// answers (PING), so that a wrong address or password stops an application
// at start-up rather than at its first visitor. key keys the hash that names
// the keys. ctx bounds the check, on top of opts.Timeout.
func NewRedisStore(ctx context.Context, key []byte, opts RedisOptions) (*RedisStore, error) {
	s, err := newRedisStore(key, opts)
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("session redis store at %s: %w", s.pool.cfg.addr, err)
	}
	return s, nil
}

// newRedisStore is NewRedisStore without the check.
func newRedisStore(key []byte, opts RedisOptions) (*RedisStore, error) {
	if len(key) == 0 {
		return nil, errors.New("session redis store: empty key")
	}
	cfg, err := parseRedisURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("session redis store: %w", err)
	}
	if cfg.tls != nil && opts.TLSConfig != nil {
		serverName := cfg.tls.ServerName
		cfg.tls = opts.TLSConfig.Clone()
		if cfg.tls.ServerName == "" {
			cfg.tls.ServerName = serverName
		}
	}
	s := &RedisStore{
		names:   newNamer(key),
		prefix:  opts.KeyPrefix,
		timeout: opts.Timeout,
		now:     opts.Now,
	}
	if s.prefix == "" {
		s.prefix = "session:"
	}
	if s.timeout <= 0 {
		s.timeout = 2 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	size := opts.PoolSize
	if size <= 0 {
		size = 16
	}
	s.pool = newRedisPool(cfg, size)
	return s, nil
}

// Close closes the idle connections. Operations under way finish; later
// ones open new connections.
func (s *RedisStore) Close() error {
	s.pool.closeIdle()
	return nil
}

// Ping checks that Redis answers and accepts the login.
func (s *RedisStore) Ping(ctx context.Context) error {
	return s.do(ctx, func(c *redisConn) error {
		replies, err := c.roundTrip(args("PING"))
		if err != nil {
			return err
		}
		if r := replies[0]; r.kind == '-' {
			return redisError(r.str)
		} else if r.kind != '+' || r.str != "PONG" {
			return fmt.Errorf("%w: PING answered with a reply of type %q", errProtocol, r.kind)
		}
		return nil
	})
}

// key is the Redis key of session id.
func (s *RedisStore) key(id string) []byte {
	return []byte(s.prefix + s.names.name(id))
}

// do runs op on a connection, bounded by ctx and the store's timeout. If op
// fails on a connection that had been idle in the pool, because the server
// closed it meanwhile, and op changed nothing yet, it runs once more on a
// new connection.
func (s *RedisStore) do(ctx context.Context, op func(c *redisConn) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	for {
		c, err := s.pool.get(ctx)
		if err != nil {
			return err
		}
		stop := bindDeadline(ctx, c)
		err = op(c)
		if !stop() && err == nil {
			err = context.Cause(ctx)
		}
		replay := c.reused && !c.changing && err != nil && isNetworkError(err)
		s.pool.put(c, err)
		if err == nil {
			return nil
		}
		// The socket's deadline is ctx's, and may pass a moment before
		// ctx notices.
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			// The deadline, not the server, ended the operation: say so.
			return fmt.Errorf("%w (%w)", cmp.Or(context.Cause(ctx), context.DeadlineExceeded), err)
		}
		if !replay {
			return err
		}
	}
}

// isNetworkError reports whether err is a failure of the connection rather
// than a reply: the server is gone, or went away and came back.
func isNetworkError(err error) bool {
	var refused redisError
	return !errors.As(err, &refused) && !errors.Is(err, errProtocol)
}

// Load implements [Store], with the store's timeout.
func (s *RedisStore) Load(id string) ([]byte, bool, error) {
	return s.LoadContext(context.Background(), id)
}

// Save implements [Store], with the store's timeout.
func (s *RedisStore) Save(id string, rec []byte, expiry time.Time) error {
	return s.SaveContext(context.Background(), id, rec, expiry)
}

// Delete implements [Store], with the store's timeout.
func (s *RedisStore) Delete(id string) error {
	return s.DeleteContext(context.Background(), id)
}

// LoadContext implements [ContextStore].
func (s *RedisStore) LoadContext(ctx context.Context, id string) (rec []byte, found bool, err error) {
	err = s.do(ctx, func(c *redisConn) error {
		replies, err := c.roundTrip(getCommand(s.key(id)))
		if err != nil {
			return err
		}
		rec, found, err = storedRecord(replies[0])
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("load session: %w", err)
	}
	return rec, found, nil
}

// getCommand reads at most one byte more than a record may hold, so that a
// large foreign value costs nothing to refuse. On a missing key GETRANGE
// answers an empty string, which is no record either.
func getCommand(key []byte) [][]byte {
	return [][]byte{[]byte("GETRANGE"), key, []byte("0"), []byte(strconv.Itoa(MaxRecordSize))}
}

// storedRecord reads the reply to getCommand as Load reports it. A value
// that is not a string (WRONGTYPE), or too large, was not written by this
// store, and is no record. Any other refusal is an error, not an absent
// record: while Redis loads its data after a restart it answers LOADING,
// and taking that for "no session" would log everyone out.
func storedRecord(r reply) (rec []byte, found bool, err error) {
	if r.kind == '-' {
		if strings.HasPrefix(r.str, "WRONGTYPE ") {
			return nil, false, nil
		}
		return nil, false, redisError(r.str)
	}
	if r.kind != '$' || len(r.bulk) == 0 || len(r.bulk) > MaxRecordSize {
		return nil, false, nil
	}
	return r.bulk, true, nil
}

// SaveContext implements [ContextStore].
func (s *RedisStore) SaveContext(ctx context.Context, id string, rec []byte, expiry time.Time) error {
	if len(rec) > MaxRecordSize {
		return fmt.Errorf("save session: %w: %d bytes", ErrRecordTooLarge, len(rec))
	}
	err := s.do(ctx, func(c *redisConn) error {
		replies, err := c.roundTrip(s.writeCommand(Write{ID: id, Rec: rec, Expiry: expiry}))
		if err != nil {
			return err
		}
		return written(replies[0])
	})
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// DeleteContext implements [ContextStore].
func (s *RedisStore) DeleteContext(ctx context.Context, id string) error {
	err := s.do(ctx, func(c *redisConn) error {
		replies, err := c.roundTrip(s.writeCommand(Write{ID: id}))
		if err != nil {
			return err
		}
		return written(replies[0])
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// writeCommand is the command that makes w: SET with the time to live in
// milliseconds, or DEL. A record whose expiry has passed is deleted, as the
// store may drop it.
func (s *RedisStore) writeCommand(w Write) [][]byte {
	key := s.key(w.ID)
	ttl := w.Expiry.Sub(s.now())
	if w.Rec == nil || ttl <= 0 {
		return [][]byte{[]byte("DEL"), key}
	}
	ms := max(ttl.Milliseconds(), 1)
	return [][]byte{[]byte("SET"), key, w.Rec, []byte("PX"), []byte(strconv.FormatInt(ms, 10))}
}

// written checks the reply to writeCommand: OK for SET, a count for DEL.
func written(r reply) error {
	switch r.kind {
	case '-':
		return redisError(r.str)
	case ':':
		return nil
	}
	return expectOK(r)
}

// Change implements [AtomicStore] with WATCH, MULTI and EXEC: EXEC applies
// the writes only if no other client changed the watched key since WATCH,
// and otherwise answers with a null reply, after which Change tries again.
func (s *RedisStore) Change(ctx context.Context, id string, fn func(rec []byte, found bool) ([]Write, error)) error {
	key := s.key(id)
	for range maxChangeAttempts {
		var fnErr error
		applied := false
		err := s.do(ctx, func(c *redisConn) error {
			replies, err := c.roundTrip([][]byte{[]byte("WATCH"), key}, getCommand(key))
			if err != nil {
				return err
			}
			if err := expectOK(replies[0]); err != nil {
				return err
			}
			rec, found, err := storedRecord(replies[1])
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
				fnErr, applied = err, true
				replies, err := c.roundTrip(args("UNWATCH"))
				if err != nil {
					return err
				}
				return expectOK(replies[0])
			}
			cmds := make([][][]byte, 0, len(writes)+2)
			cmds = append(cmds, args("MULTI"))
			for _, w := range writes {
				cmds = append(cmds, s.writeCommand(w))
			}
			cmds = append(cmds, args("EXEC"))
			c.changing = true
			if replies, err = c.roundTrip(cmds...); err != nil {
				return err
			}
			applied, err = committed(replies)
			return err
		})
		if fnErr != nil {
			return fnErr
		}
		if err != nil {
			return fmt.Errorf("change session: %w", err)
		}
		if applied {
			return nil
		}
	}
	return fmt.Errorf("change session: %w", ErrConflict)
}

// checkSizes refuses writes that Load could not read back.
func checkSizes(writes []Write) error {
	for _, w := range writes {
		if len(w.Rec) > MaxRecordSize {
			return fmt.Errorf("%w: %d bytes", ErrRecordTooLarge, len(w.Rec))
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
