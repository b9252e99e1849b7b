package session

import (
	"encoding/json"
	"fmt"
	"time"
)

// Values are the named values of a session. Each value is kept as JSON and
// decoded into the caller's own type, so reading a session never builds
// objects of a type the record chose (OWASP Deserialization Cheat Sheet).
type Values struct {
	m map[string]json.RawMessage
	// deadline is the session's deadline in Unix seconds, 0 for none. It
	// is not a value: Len and Get do not see it, and the record keeps it
	// beside its timestamps.
	deadline int64
	changed  bool
	id       string // the ID the values are saved under, for Binding; "" when not known
}

// Get decodes the value stored under key into v and reports whether there
// was one.
func (v *Values) Get(key string, dst any) (bool, error) {
	raw, ok := v.m[key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return true, fmt.Errorf("session value %q: %w", key, err)
	}
	return true, nil
}

// Put stores value under key.
func (v *Values) Put(key string, value any) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("session value %q: %w", key, err)
	}
	if v.m == nil {
		v.m = make(map[string]json.RawMessage)
	}
	v.m[key] = raw
	v.changed = true
	return nil
}

// Delete removes the value stored under key, if any.
func (v *Values) Delete(key string) {
	if _, ok := v.m[key]; ok {
		delete(v.m, key)
		v.changed = true
	}
}

// Len is the number of stored values.
func (v *Values) Len() int { return len(v.m) }

// SetDeadline ends the session at t at the latest, whatever its idle and
// absolute timeouts; activity never moves it. The zero time removes it.
func (v *Values) SetDeadline(t time.Time) {
	var deadline int64
	if !t.IsZero() {
		// Whole seconds, as the record's other times, rounded down so as
		// never to end later than t; 0 would mean no deadline, and any
		// time before 1970 is long past.
		deadline = max(t.Unix(), 1)
	}
	if deadline != v.deadline {
		v.deadline, v.changed = deadline, true
	}
}

// MarshalJSON and UnmarshalJSON store Values as a plain JSON object.
func (v Values) MarshalJSON() ([]byte, error) { return json.Marshal(v.m) }

// UnmarshalJSON decodes a JSON object of values.
func (v *Values) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &v.m) }
