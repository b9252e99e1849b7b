package redisstore

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"oauthlogin/session"
)

// The Store is a session.Index. Each term a record is filed under
// (session.Values.FileUnder) has a sorted set, KeyPrefix "index:" and the
// keyed hash of the term, whose members are the names of the records filed
// under it (their keys without KeyPrefix; never a session ID), scored by
// their expiry. The set changes in the same MULTI and EXEC as the record,
// so the index never misses a session, and it lives as long as its
// longest-lived member.
var _ session.Index = (*Store)(nil)

// fileScript files a record in a term's set. KEYS[1] is the set; ARGV
// the record's name, its expiry and the time now in Unix milliseconds,
// the bound (session.MaxIndexed) and KeyPrefix. Members whose expiry has
// passed leave; when the record is new to the set, members whose record
// is gone leave too, and the live records beyond the bound that expire
// first are ended, so that the bound never drops a live session from the
// index.
const fileScript = `
local added = redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if added == 1 then
  local live = {}
  for _, name in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if redis.call('EXISTS', ARGV[5] .. name) == 1 then
      table.insert(live, name)
    else
      redis.call('ZREM', KEYS[1], name)
    end
  end
  local excess = #live - tonumber(ARGV[4])
  local i = 1
  while excess > 0 do
    if live[i] ~= ARGV[1] then
      redis.call('DEL', ARGV[5] .. live[i])
      redis.call('ZREM', KEYS[1], live[i])
      excess = excess - 1
    end
    i = i + 1
  end
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return added
`

// indexKey is the key of term's set.
func (s *Store) indexKey(term string) []byte { return s.indexKeyWith(s.hashKey, term) }

func (s *Store) indexKeyWith(hashKey []byte, term string) []byte {
	mac := hmac.New(sha256.New, hashKey)
	mac.Write([]byte("index term\x00" + term))
	return hex.AppendEncode([]byte(s.prefix+"index:"), mac.Sum(nil))
}

// writeCommands are the commands that make w: writeCommand's, and for a
// saved record filed under terms, the filing in each term's set. They go
// into one MULTI and EXEC.
func (s *Store) writeCommands(w session.Write) [][][]byte {
	cmd := s.writeCommand(w)
	if string(cmd[0]) != "SET" {
		return [][][]byte{cmd}
	}
	terms := session.IndexTerms(w.Rec)
	cmds := make([][][]byte, 0, 1+len(terms))
	cmds = append(cmds, cmd)
	name := cmd[1][len(s.prefix):]
	expiry := strconv.FormatInt(w.Expiry.UnixMilli(), 10)
	now := strconv.FormatInt(s.now().UnixMilli(), 10)
	for _, term := range terms {
		cmds = append(cmds, [][]byte{[]byte("EVAL"), []byte(fileScript), []byte("1"), s.indexKey(term),
			name, []byte(expiry), []byte(now), []byte(strconv.Itoa(session.MaxIndexed)), []byte(s.prefix)})
	}
	return cmds
}

// writeAlone makes w on c outside a Change: its command alone, or with
// its filings, in MULTI and EXEC.
func (s *Store) writeAlone(c *redisConn, w session.Write) error {
	cmds := s.writeCommands(w)
	if len(cmds) == 1 {
		replies, err := c.roundTrip(cmds[0])
		if err != nil {
			return err
		}
		return written(replies[0])
	}
	all := make([][][]byte, 0, len(cmds)+2)
	all = append(all, args("MULTI"))
	all = append(all, cmds...)
	all = append(all, args("EXEC"))
	replies, err := c.roundTrip(all...)
	if err != nil {
		return err
	}
	done, err := committed(replies)
	if err == nil && !done {
		err = fmt.Errorf("%w: EXEC without WATCH was aborted", errProtocol)
	}
	return err
}

// endBatch is how many members EndSessions reads at a time: within the
// bound on a reply's array.
const endBatch = 32

// EndSessions implements session.Index: it deletes every record filed
// under term that still carries it, and removes each member it looked at,
// in term's set and in the sets the previous keys (Options.PreviousKeys)
// named: a session filed before a key rotation is filed again under the
// new key at its next save. A session that another instance is changing
// at that moment stays ended: its Change finds the record gone.
func (s *Store) EndSessions(ctx context.Context, term string) (ended int, err error) {
	for _, hashKey := range append([][]byte{s.hashKey}, s.previous...) {
		n, err := s.endSessionsIn(ctx, s.indexKeyWith(hashKey, term), term)
		ended += n
		if err != nil {
			return ended, err
		}
	}
	return ended, nil
}

// endSessionsIn is EndSessions in the set key.
func (s *Store) endSessionsIn(ctx context.Context, key []byte, term string) (ended int, err error) {
	for {
		var members []reply
		err := s.do(ctx, func(c *redisConn) error {
			replies, err := c.roundTrip(args("ZRANGE", string(key), "0", strconv.Itoa(endBatch-1)))
			if err != nil {
				return err
			}
			if r := replies[0]; r.kind == '-' {
				return redisError(r.str)
			} else if r.kind != '*' {
				return fmt.Errorf("%w: ZRANGE answered with a reply of type %q", errProtocol, r.kind)
			}
			members = replies[0].array
			return nil
		})
		if err != nil {
			return ended, fmt.Errorf("end sessions: %w", err)
		}
		if len(members) == 0 {
			return ended, nil
		}
		for _, m := range members {
			n, err := s.endMember(ctx, key, m.bulk, term)
			ended += n
			if err != nil {
				return ended, fmt.Errorf("end sessions: %w", err)
			}
		}
	}
}

// endMember deletes the record name if it is filed under term, and
// removes name from the set key either way.
func (s *Store) endMember(ctx context.Context, key, name []byte, term string) (ended int, err error) {
	recKey := append([]byte(s.prefix), name...)
	err = s.do(ctx, func(c *redisConn) error {
		replies, err := c.roundTrip(getCommand(recKey))
		if err != nil {
			return err
		}
		rec, found, err := storedRecord(replies[0])
		if err != nil {
			return err
		}
		cmds := [][][]byte{{[]byte("ZREM"), key, name}}
		// A record's ID never changes hands, so the record found is still
		// the one that is filed under term when DEL runs.
		if found && session.FiledUnder(rec, term) {
			cmds = append(cmds, [][]byte{[]byte("DEL"), recKey})
			ended = 1
		}
		c.changing = true
		replies, err = c.roundTrip(cmds...)
		if err != nil {
			return err
		}
		for _, r := range replies {
			if r.kind == '-' {
				return redisError(r.str)
			}
		}
		return nil
	})
	return ended, err
}

// FirstUse records name as used until until, and reports whether this was
// its first use, for every instance that shares the Redis: a SET with NX
// and an expiry. The back-channel logout keeps its replay cache of logout
// tokens (their jti) here. Names are stored as a keyed hash.
func (s *Store) FirstUse(ctx context.Context, name string, until time.Time) (first bool, err error) {
	mac := hmac.New(sha256.New, s.hashKey)
	mac.Write([]byte("used\x00" + name))
	key := hex.AppendEncode([]byte(s.prefix+"used:"), mac.Sum(nil))
	ms := max(until.Sub(s.now()).Milliseconds(), 1)
	err = s.do(ctx, func(c *redisConn) error {
		c.changing = true
		replies, err := c.roundTrip([][]byte{[]byte("SET"), key, []byte("1"), []byte("NX"), []byte("PX"),
			[]byte(strconv.FormatInt(ms, 10))})
		if err != nil {
			return err
		}
		switch r := replies[0]; {
		case r.kind == '$' && r.null:
			first = false
			return nil
		default:
			first = true
			return expectOK(r)
		}
	})
	if err != nil {
		return false, fmt.Errorf("replay cache: %w", err)
	}
	return first, nil
}
