// Package redisstore keeps the sessions of package session in Redis (or
// Valkey, which speaks the same protocol), for several instances of an
// application behind a load balancer.
//
// It is a layer on top of package session, which does not import it. An
// application opens a [Store] with [New] at start-up, in place of a
// session.FileStore, and hands it to session.NewManager; from then on the
// Manager drives it. Every page view loads its session's record
// ([Store.LoadContext]), and every change to a session (an Update, a
// Renew, the idle-time bookkeeping) is a [Store.Change]: a compare-and-set
// on the Redis server, so that two instances changing one session at once
// both keep their change, and a logout on one instance is final on all.
//
// Besides the store (store.go, change.go), the package holds the small
// Redis client it needs: the URL, the pool of connections and the login
// (conn.go), and the RESP protocol (resp.go).
package redisstore

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"oauthlogin/session"
)

// Options configure a [Store]. Only URL is required.
type Options struct {
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
	// logging in, the commands, and a Change's tries all together) when
	// the request's context has no earlier deadline. Default 2 seconds.
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

	// PreviousKeys are keys that the store's key replaced: records named
	// with them are still found, and move to the current key's name at
	// their next change (rotation.go). Drop them once every session has
	// been changed since, or has ended.
	PreviousKeys [][]byte
}

// Store is a session.AtomicStore that keeps sessions in Redis.
//
//   - A key is KeyPrefix and the HMAC-SHA-256 of the session ID, the name
//     a session.FileStore gives its file, so the keys in Redis, a dump or
//     a MONITOR log yield nothing that works as a cookie.
//   - Each record lives as long as the session may (to its idle or
//     absolute timeout or its deadline, whichever is first): Redis drops
//     it then, so no sweep is needed.
//   - Change is a compare-and-set on the server (WATCH, then MULTI and
//     EXEC): two instances changing one session at once both keep their
//     change, and a session deleted by one instance is never written back
//     by another. Across processes, that is the guarantee a FileStore on
//     a shared directory cannot give.
//   - Every operation is bounded by the request's context and by Timeout.
//     A connection on which anything failed is closed, and the next
//     operation dials a new one, so the store serves again as soon as
//     Redis is back.
type Store struct {
	pool     *redisPool
	hashKey  []byte
	previous [][]byte // Options.PreviousKeys
	prefix   string
	timeout  time.Duration
	now      func() time.Time
}

var _ session.AtomicStore = (*Store)(nil)

// New connects to the Redis server at opts.URL and checks that it answers
// (PING), so that a wrong address or password stops an application at
// start-up rather than at its first visitor. key keys the hash that names
// the keys. ctx bounds the check, on top of opts.Timeout.
func New(ctx context.Context, key []byte, opts Options) (*Store, error) {
	s, err := newStore(key, opts)
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("session redis store at %s: %w", s.pool.cfg.addr, err)
	}
	return s, nil
}

// newStore is New without the check.
func newStore(key []byte, opts Options) (*Store, error) {
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
	for _, k := range opts.PreviousKeys {
		if len(k) == 0 {
			return nil, errors.New("session redis store: empty previous key")
		}
	}
	s := &Store{
		hashKey:  slices.Clone(key),
		previous: slices.Clone(opts.PreviousKeys),
		prefix:   opts.KeyPrefix,
		timeout:  opts.Timeout,
		now:      opts.Now,
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
func (s *Store) Close() error {
	s.pool.closeIdle()
	return nil
}

// Ping checks that Redis answers and accepts the login.
func (s *Store) Ping(ctx context.Context) error {
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

// key is the Redis key of session id: the prefix, and the HMAC-SHA-256 of
// the ID under the store's key in hex. Without the key, a name can be
// neither turned back into the ID nor checked against a guessed one
// (OWASP Session Management Cheat Sheet: session IDs are secrets wherever
// they are kept).
func (s *Store) key(id string) []byte {
	mac := hmac.New(sha256.New, s.hashKey)
	mac.Write([]byte(id))
	return hex.AppendEncode([]byte(s.prefix), mac.Sum(nil))
}

// do runs op on a connection, bounded by ctx and the store's timeout. If op
// fails on a connection that had been idle in the pool, because the server
// closed it meanwhile, and op changed nothing yet, it runs once more on a
// new connection.
func (s *Store) do(ctx context.Context, op func(c *redisConn) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	for {
		c, err := s.pool.get(ctx)
		if err != nil {
			return err
		}
		replay, err := s.run(ctx, c, op)
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

// run runs op on c and gives c back to the pool on every path, and reports
// whether op may run again on a new connection. A panic in op (in the fn
// of a Change, say) stops it in the middle of a command, which leaves c in
// a state nobody knows: c is closed, and its slot freed, before the panic
// goes on. Kept, every such panic would hold a slot for good, and once
// none was left every operation would wait out its timeout.
func (s *Store) run(ctx context.Context, c *redisConn, op func(c *redisConn) error) (replay bool, err error) {
	stop := bindDeadline(ctx, c)
	returned := false
	defer func() {
		if !returned {
			stop()
			s.pool.drop(c)
		}
	}()
	err = op(c)
	returned = true
	if !stop() && err == nil {
		err = context.Cause(ctx)
	}
	replay = c.reused && !c.changing && err != nil && isNetworkError(err)
	s.pool.put(c, err)
	return replay, err
}

// isNetworkError reports whether err is a failure of the connection rather
// than a reply: the server is gone, or went away and came back.
func isNetworkError(err error) bool {
	var refused redisError
	return !errors.As(err, &refused) && !errors.Is(err, errProtocol)
}

// Load implements session.Store, with the store's timeout.
func (s *Store) Load(id string) ([]byte, bool, error) {
	return s.LoadContext(context.Background(), id)
}

// Save implements session.Store, with the store's timeout.
func (s *Store) Save(id string, rec []byte, expiry time.Time) error {
	return s.SaveContext(context.Background(), id, rec, expiry)
}

// Delete implements session.Store, with the store's timeout.
func (s *Store) Delete(id string) error {
	return s.DeleteContext(context.Background(), id)
}

// LoadContext implements session.ContextStore.
func (s *Store) LoadContext(ctx context.Context, id string) (rec []byte, found bool, err error) {
	err = s.do(ctx, func(c *redisConn) error {
		replies, err := c.roundTrip(readCommands(s.keys(id))...)
		if err != nil {
			return err
		}
		rec, found, err = firstRecord(replies)
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
	return [][]byte{[]byte("GETRANGE"), key, []byte("0"), []byte(strconv.Itoa(session.MaxRecordSize))}
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
	if r.kind != '$' || len(r.bulk) == 0 || len(r.bulk) > session.MaxRecordSize {
		return nil, false, nil
	}
	return r.bulk, true, nil
}

// SaveContext implements session.ContextStore.
func (s *Store) SaveContext(ctx context.Context, id string, rec []byte, expiry time.Time) error {
	if len(rec) > session.MaxRecordSize {
		return fmt.Errorf("save session: %w: %d bytes", session.ErrRecordTooLarge, len(rec))
	}
	err := s.do(ctx, func(c *redisConn) error {
		return s.writeAlone(c, session.Write{ID: id, Rec: rec, Expiry: expiry}) // with the index (index.go)
	})
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// DeleteContext implements session.ContextStore.
func (s *Store) DeleteContext(ctx context.Context, id string) error {
	err := s.do(ctx, func(c *redisConn) error {
		replies, err := c.roundTrip(s.writeCommand(session.Write{ID: id}))
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
func (s *Store) writeCommand(w session.Write) [][]byte {
	key := s.key(w.ID)
	ttl := w.Expiry.Sub(s.now())
	if w.Rec == nil || ttl <= 0 {
		return append([][]byte{[]byte("DEL"), key}, s.previousKeys(w.ID)...)
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
