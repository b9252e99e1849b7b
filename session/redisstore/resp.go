package redisstore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"

	"oauthlogin/session"
)

// This file holds the part of RESP, the Redis serialisation protocol
// (version 2, which every Redis and Valkey server speaks to a client that
// has not asked for another), that the store needs: commands go out as
// arrays of bulk strings, and replies come back as one of five types.

// A reply is one RESP reply. Only the field of its kind is set.
type reply struct {
	kind  byte    // one of '+', '-', ':', '$', '*'
	str   string  // '+' simple string, '-' error text
	num   int64   // ':' integer
	bulk  []byte  // '$' bulk string
	array []reply // '*' array
	null  bool    // '$' or '*' sent with length -1: no value at all
}

// Bounds on what a reply may hold. The store asks for nothing larger than
// a record, and for arrays of a few replies (a transaction's results); a
// reply beyond these is not a reply to our commands, so the connection is
// dropped rather than read on.
const (
	maxBulkLen   = session.MaxRecordSize + 1
	maxArrayLen  = 64
	maxLineLen   = 4 << 10 // a simple string, an error or a length
	maxNestDepth = 2       // a transaction's array of replies, and no deeper
)

// errProtocol marks a reply that does not follow RESP, or breaks the
// bounds above. The connection it came on cannot be trusted afterwards.
var errProtocol = errors.New("redis protocol error")

// writeCommand writes args as one command: an array of bulk strings.
func writeCommand(w *bufio.Writer, args ...[]byte) {
	w.WriteByte('*')
	w.WriteString(strconv.Itoa(len(args)))
	w.WriteString("\r\n")
	for _, a := range args {
		w.WriteByte('$')
		w.WriteString(strconv.Itoa(len(a)))
		w.WriteString("\r\n")
		w.Write(a)
		w.WriteString("\r\n")
	}
}

// readReply reads one reply. A Redis error reply is a reply, not an error:
// the connection stays usable after it. An error means the connection
// failed or sent something that is not RESP.
func readReply(r *bufio.Reader) (reply, error) {
	return readReplyDepth(r, 0)
}

func readReplyDepth(r *bufio.Reader, depth int) (reply, error) {
	line, err := readLine(r)
	if err != nil {
		return reply{}, err
	}
	if len(line) == 0 {
		return reply{}, fmt.Errorf("%w: empty line", errProtocol)
	}
	kind, rest := line[0], line[1:]
	switch kind {
	case '+', '-':
		return reply{kind: kind, str: string(rest)}, nil
	case ':':
		n, ok := parseDecimal(rest)
		if !ok {
			return reply{}, fmt.Errorf("%w: bad integer %q", errProtocol, rest)
		}
		return reply{kind: kind, num: n}, nil
	case '$':
		n, err := parseLength(rest, maxBulkLen)
		if err != nil {
			return reply{}, err
		}
		if n == -1 {
			return reply{kind: kind, null: true}, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return reply{}, err
		}
		if b[n] != '\r' || b[n+1] != '\n' {
			return reply{}, fmt.Errorf("%w: bulk string not ended by CRLF", errProtocol)
		}
		return reply{kind: kind, bulk: b[:n:n]}, nil
	case '*':
		n, err := parseLength(rest, maxArrayLen)
		if err != nil {
			return reply{}, err
		}
		if n == -1 {
			return reply{kind: kind, null: true}, nil
		}
		if depth >= maxNestDepth {
			return reply{}, fmt.Errorf("%w: arrays nested too deep", errProtocol)
		}
		array := make([]reply, n)
		for i := range array {
			if array[i], err = readReplyDepth(r, depth+1); err != nil {
				return reply{}, err
			}
		}
		return reply{kind: kind, array: array}, nil
	}
	return reply{}, fmt.Errorf("%w: unknown reply type %q", errProtocol, kind)
}

// readLine reads a line ended by CRLF and returns it without the CRLF.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > maxLineLen {
		return nil, fmt.Errorf("%w: line too long", errProtocol)
	}
	if err != nil {
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: line not ended by CRLF", errProtocol)
	}
	return line[:len(line)-2], nil
}

// parseLength parses the length of a bulk string or an array: -1 (null),
// or from 0 to max.
func parseLength(b []byte, max int64) (int64, error) {
	n, ok := parseDecimal(b)
	if !ok {
		return 0, fmt.Errorf("%w: bad length %q", errProtocol, b)
	}
	if n < -1 || n > max {
		return 0, fmt.Errorf("%w: length %d out of bounds", errProtocol, n)
	}
	return n, nil
}

// parseDecimal parses a number the way a server writes one: an optional
// minus sign and digits, without a plus sign or leading zeros, so that one
// number has one spelling.
func parseDecimal(b []byte) (int64, bool) {
	digits := b
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || digits[0] == '0' && len(b) > 1 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}
