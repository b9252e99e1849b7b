package redisstore

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// redisConfig is what a redis:// or rediss:// URL says.
type redisConfig struct {
	addr     string      // host:port
	tls      *tls.Config // nil for plain redis://
	username string      // "" for the default user
	password string      // "" for no AUTH
	db       int
}

// parseRedisURL reads redis://[user:password@]host[:port][/db], or
// rediss://… for TLS. Its errors never quote the URL: it may hold a
// password.
func parseRedisURL(raw string) (redisConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return redisConfig{}, errors.New("redis URL: not a valid URL")
	}
	var cfg redisConfig
	switch u.Scheme {
	case "redis":
	case "rediss":
		// The server's certificate is checked against the system's roots
		// (SSL_CERT_FILE and SSL_CERT_DIR add to them) and its name.
		cfg.tls = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	default:
		return redisConfig{}, errors.New("redis URL: the scheme must be redis:// or rediss://")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return redisConfig{}, errors.New("redis URL: no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		// An option this client does not know, such as one that turns off
		// certificate checks, must not be ignored in silence.
		return redisConfig{}, errors.New("redis URL: query options are not supported")
	}
	port := u.Port()
	if port == "" {
		port = "6379"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return redisConfig{}, errors.New("redis URL: bad port")
	}
	cfg.addr = net.JoinHostPort(u.Hostname(), port)
	if u.User != nil {
		cfg.username = u.User.Username()
		cfg.password, _ = u.User.Password()
		if cfg.password == "" {
			return redisConfig{}, errors.New("redis URL: a user without a password")
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 {
			return redisConfig{}, errors.New("redis URL: the path must be a database number, as in /0")
		}
		cfg.db = n
	}
	return cfg, nil
}

// redisError is an error reply from the server. It leaves the connection
// usable.
type redisError string

func (e redisError) Error() string { return "redis: " + string(e) }

// redisConn is one connection to the server.
type redisConn struct {
	net.Conn
	r *bufio.Reader
	w *bufio.Writer

	// reused is set once the connection has served an operation and gone
	// back to the pool; such a connection may have been closed by the
	// server since.
	reused bool
	// changing is set once a command that changes data has been sent in
	// the operation under way; the operation can then not be replayed.
	changing bool
}

// roundTrip sends cmds in one write and reads one reply for each. A server
// error reply comes back as a reply; the error is for a failed connection
// or a reply that is not RESP, after which the connection is useless.
func (c *redisConn) roundTrip(cmds ...[][]byte) ([]reply, error) {
	for _, cmd := range cmds {
		writeCommand(c.w, cmd...)
	}
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	replies := make([]reply, len(cmds))
	for i := range replies {
		var err error
		if replies[i], err = readReply(c.r); err != nil {
			return nil, err
		}
	}
	return replies, nil
}

// expectOK checks that r is the simple string OK.
func expectOK(r reply) error {
	if r.kind == '-' {
		return redisError(r.str)
	}
	if r.kind != '+' || r.str != "OK" {
		return fmt.Errorf("%w: want OK, got a reply of type %q", errProtocol, r.kind)
	}
	return nil
}

// args turns strings into a command's arguments.
func args(s ...string) [][]byte {
	b := make([][]byte, len(s))
	for i := range s {
		b[i] = []byte(s[i])
	}
	return b
}

// redisPool keeps up to size connections to one server and hands them out
// one operation at a time.
type redisPool struct {
	cfg    redisConfig
	dialer net.Dialer
	slots  chan struct{}   // one token per connection that may be open
	idle   chan *redisConn // never fuller than slots, so putting one back never blocks
}

func newRedisPool(cfg redisConfig, size int) *redisPool {
	return &redisPool{cfg: cfg, slots: make(chan struct{}, size), idle: make(chan *redisConn, size)}
}

// get returns an idle connection, or a new one if there is none and the
// pool is not full; with the pool full it waits for one, as long as ctx
// allows.
func (p *redisPool) get(ctx context.Context) (*redisConn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a redis connection: %w", context.Cause(ctx))
	}
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	c, err := p.dial(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// put gives c back after an operation. A connection on which anything
// failed other than a command the server refused is closed: its state is
// unknown. A broken connection closes the idle ones too, since they most
// likely lost their server as well (a restart), and the next operations
// should not find out again on each of them; a timeout or a garbled reply
// says nothing about the others.
func (p *redisPool) put(c *redisConn, err error) {
	var refused redisError
	switch {
	case err == nil || errors.As(err, &refused):
		c.reused, c.changing = true, false
		p.idle <- c
		<-p.slots
	case errors.Is(err, errProtocol) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		p.drop(c)
	default:
		p.drop(c)
		p.closeIdle()
	}
}

// drop closes c, whose state is unknown, and frees its slot for a new
// connection.
func (p *redisPool) drop(c *redisConn) {
	c.Close()
	<-p.slots
}

// closeIdle closes every idle connection.
func (p *redisPool) closeIdle() {
	for {
		select {
		case c := <-p.idle:
			c.Close()
		default:
			return
		}
	}
}

// dial connects, completes TLS when the URL asks for it, and logs in and
// selects the database in one round trip.
func (p *redisPool) dial(ctx context.Context) (*redisConn, error) {
	nc, err := p.dialer.DialContext(ctx, "tcp", p.cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("connect to redis: %w", err)
	}
	if p.cfg.tls != nil {
		tc := tls.Client(nc, p.cfg.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("redis TLS handshake with %s: %w", p.cfg.addr, err)
		}
		nc = tc
	}
	c := &redisConn{Conn: nc, r: bufio.NewReader(nc), w: bufio.NewWriter(nc)}
	var cmds [][][]byte
	switch {
	case p.cfg.username != "":
		cmds = append(cmds, args("AUTH", p.cfg.username, p.cfg.password))
	case p.cfg.password != "":
		cmds = append(cmds, args("AUTH", p.cfg.password))
	}
	if p.cfg.db != 0 {
		cmds = append(cmds, args("SELECT", strconv.Itoa(p.cfg.db)))
	}
	if len(cmds) == 0 {
		return c, nil
	}
	stop := bindDeadline(ctx, c)
	replies, err := c.roundTrip(cmds...)
	if !stop() && err == nil {
		err = context.Cause(ctx)
	}
	if err == nil {
		for i, r := range replies {
			if err = expectOK(r); err != nil {
				// The server's words (WRONGPASS…, NOAUTH…) name no secret.
				err = fmt.Errorf("redis %s refused: %w", cmds[i][0], err)
				break
			}
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// bindDeadline bounds c's reads and writes by ctx: by its deadline, and by
// its end if it is cancelled before. stop reports false if ctx ended the
// I/O, and c is then useless.
func bindDeadline(ctx context.Context, c *redisConn) (stop func() bool) {
	deadline, _ := ctx.Deadline() // the zero time, for no deadline, clears an old one
	c.SetDeadline(deadline)
	return context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
}
