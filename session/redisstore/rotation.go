package redisstore

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Key rotation: Options.PreviousKeys are keys the store's key replaced.
// A record is looked for under the current key's name first, then under
// each older one's; a change that saves it removes it under the older
// names in the same MULTI and EXEC, so it moves to the current name at its
// next write; a delete removes it under every name. Without previous keys
// every command is as it was: one key per session.

// keys are the Redis keys session id may be under: the current key's name
// first, then each previous key's.
func (s *Store) keys(id string) [][]byte {
	keys := [][]byte{s.key(id)}
	return append(keys, s.previousKeys(id)...)
}

// previousKeys are the names older keys give session id.
func (s *Store) previousKeys(id string) [][]byte {
	if len(s.previous) == 0 {
		return nil
	}
	keys := make([][]byte, len(s.previous))
	for i, k := range s.previous {
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte(id))
		keys[i] = hex.AppendEncode([]byte(s.prefix), mac.Sum(nil))
	}
	return keys
}

// readCommands read each of keys, in order.
func readCommands(keys [][]byte) [][][]byte {
	cmds := make([][][]byte, len(keys))
	for i, key := range keys {
		cmds[i] = getCommand(key)
	}
	return cmds
}

// firstRecord is the first record the replies to readCommands found.
func firstRecord(replies []reply) (rec []byte, found bool, err error) {
	for _, r := range replies {
		if rec, found, err = storedRecord(r); found || err != nil {
			return rec, found, err
		}
	}
	return nil, false, nil
}

// dropPrevious removes session id's record under the older names, after
// a save under the current one; nil without previous keys.
func (s *Store) dropPrevious(id string) [][][]byte {
	old := s.previousKeys(id)
	if old == nil {
		return nil
	}
	return [][][]byte{append([][]byte{[]byte("DEL")}, old...)}
}
