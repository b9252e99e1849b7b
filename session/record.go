package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// record is what a Store keeps for one session: its times, and its values.
type record struct {
	Version int
	Created int64  // Unix seconds: start of the absolute timeout
	Seen    int64  // Unix seconds: last recorded activity, for the idle timeout
	Values  Values // with the deadline, if the session has one
}

// recordVersion changes whenever the record's meaning changes; a record of
// another version is treated as no session at all.
const recordVersion = 1

// wireRecord is a record as JSON. The deadline sits beside the other
// times, and is left out when there is none, which keeps most records as
// small as they were before deadlines.
type wireRecord struct {
	Version  int                        `json:"v"`
	Created  int64                      `json:"created"`
	Seen     int64                      `json:"seen"`
	Deadline int64                      `json:"deadline,omitempty"` // Unix seconds
	Values   map[string]json.RawMessage `json:"values"`
}

// MarshalJSON encodes the record as a Store keeps it.
func (r record) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireRecord{
		Version: r.Version, Created: r.Created, Seen: r.Seen,
		Deadline: r.Values.deadline, Values: r.Values.m,
	})
}

// errBadRecord marks a record that cannot be read as a session.
var errBadRecord = errors.New("malformed session record")

func decodeRecord(b []byte) (record, error) {
	// Every page view decodes a record. The values are taken as raw JSON
	// in the same pass, and decoded only when a handler asks for one.
	var wire wireRecord
	if err := json.Unmarshal(b, &wire); err != nil {
		return record{}, fmt.Errorf("%w: %v", errBadRecord, err)
	}
	if wire.Version != recordVersion {
		return record{}, fmt.Errorf("%w: version %d", errBadRecord, wire.Version)
	}
	if wire.Created <= 0 || wire.Seen < wire.Created || wire.Deadline < 0 {
		return record{}, fmt.Errorf("%w: bad timestamps", errBadRecord)
	}
	return record{
		Version: wire.Version, Created: wire.Created, Seen: wire.Seen,
		Values: Values{m: wire.Values, deadline: wire.Deadline},
	}, nil
}

// expiry is when the session ends unless a request comes first: at its
// idle timeout, its absolute timeout or its deadline, whichever is first.
// A request can move only the first of the three.
func (r record) expiry(idle, absolute time.Duration) time.Time {
	end := time.Unix(r.Seen, 0).Add(idle)
	if absoluteEnd := time.Unix(r.Created, 0).Add(absolute); absoluteEnd.Before(end) {
		end = absoluteEnd
	}
	if deadline := r.deadline(); !deadline.IsZero() && deadline.Before(end) {
		end = deadline
	}
	return end
}

// deadline is the session's deadline, or the zero time for none.
func (r record) deadline() time.Time {
	if r.Values.deadline == 0 {
		return time.Time{}
	}
	return time.Unix(r.Values.deadline, 0)
}
