package session

import (
	"errors"
	"fmt"
	"io/fs"
)

// AcceptPreviousKeys lets the store find records that it named with older
// keys, so that the key can change without logging everyone out: call it
// once, before the store is used, with the keys the current one replaced
// (this app's SECRET_PREVIOUS). A record found under an old key's name is
// moved to the current key's name at its next save, and a delete removes
// it under every name.
//
// Each load of a session that is not under the current key's name costs a
// look for each older key, and each save and delete one removal for each:
// drop the old keys once every session has been saved since the change,
// or has ended (after the absolute timeout at the latest).
func (s *FileStore) AcceptPreviousKeys(keys ...[]byte) error {
	for _, key := range keys {
		if len(key) == 0 {
			return errors.New("session file store: empty previous key")
		}
		s.previous = append(s.previous, newNamer(key))
	}
	return nil
}

// loadPrevious is Load under the names older keys give id.
func (s *FileStore) loadPrevious(id string) ([]byte, bool, error) {
	for _, n := range s.previous {
		b, err := s.readRecord(n.name(id))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("load session: %w", err)
		}
		if len(b) > MaxRecordSize {
			return nil, false, nil
		}
		return b, true, nil
	}
	return nil, false, nil
}

// removePrevious removes id's record under the names older keys give it.
func (s *FileStore) removePrevious(id string) error {
	var first error
	for _, n := range s.previous {
		if err := s.remove(n.name(id)); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}
