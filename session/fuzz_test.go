package session

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzValidID: validID never panics, and accepts exactly the strings newID
// can make: the canonical unpadded base64url spelling of 32 bytes.
func FuzzValidID(f *testing.F) {
	for _, seed := range []string{
		base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)),
		base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")),
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", // non-canonical last character
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
		"", ".", "..", "../../etc/passwd", "..%2F..%2Fx", "a/b", "\x00", `C:\x`,
		strings.Repeat("A", 4000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := validID(s)
		b, err := base64.RawURLEncoding.DecodeString(s)
		want := err == nil && len(b) == idBytes && base64.RawURLEncoding.EncodeToString(b) == s
		if got != want {
			t.Fatalf("validID(%q) = %v, want %v", s, got, want)
		}
		if got && !idPattern.MatchString(s) {
			t.Fatalf("validID accepted %q, which does not match %v", s, idPattern)
		}
	})
}

// FuzzDecodeRecord: decodeRecord never panics; what it accepts is a
// version-1 record with sane times that survives being saved again;
// what it refuses is marked errBadRecord, so the Manager treats it as no
// session rather than a failure.
func FuzzDecodeRecord(f *testing.F) {
	for _, seed := range []string{
		`{"v":1,"created":1900000000,"seen":1900000060,"values":{"user":{"sub":"123","name":"Alice"}}}`,
		`{"v":1,"created":1,"seen":1,"values":{}}`,
		`{"v":1,"created":1900000000,"seen":1900000060,"deadline":1900000600,"values":{"pending":{}}}`,
		`{"v":1,"created":1,"seen":1,"deadline":0,"values":{}}`,
		`{"v":1,"created":1,"seen":1,"deadline":-1,"values":{}}`,
		`{"v":1,"created":1,"seen":1,"values":null}`,
		`{"v":1,"created":1,"seen":1}`,
		`{"v":1,"created":1,"seen":1,"values":{"a":"<&>","a":"dup"}}`,
		`{"v":1,"created":9223372036854775807,"seen":9223372036854775807,"values":{}}`,
		`{"v":1,"created":0,"seen":0,"values":{}}`,
		`{"v":1,"created":-5,"seen":1,"values":{}}`,
		`{"v":1,"created":10,"seen":9,"values":{}}`,
		`{"v":2,"created":1,"seen":1,"values":{}}`,
		`{"v":1,"created":1.5,"seen":2,"values":{}}`,
		`{"v":1,"created":1,"seen":1,"values":[]}`,
		`{"user":`,
		`null`, `[]`, `""`, ``, "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, errBadRecord) {
				t.Fatalf("error %v is not errBadRecord", err)
			}
			return
		}
		if rec.Version != recordVersion || rec.Created <= 0 || rec.Seen < rec.Created || rec.Values.deadline < 0 {
			t.Fatalf("accepted a record with version %d, created %d, seen %d, deadline %d",
				rec.Version, rec.Created, rec.Seen, rec.Values.deadline)
		}
		// The Manager writes back what it read (a touch, an Update).
		saved, err := json.Marshal(rec)
		if err != nil {
			t.Fatalf("cannot encode an accepted record: %v", err)
		}
		again, err := decodeRecord(saved)
		if err != nil {
			t.Fatalf("a saved record does not decode: %v\n%s", err, saved)
		}
		resaved, err := json.Marshal(again)
		if err != nil || !bytes.Equal(saved, resaved) {
			t.Fatalf("record changed when saved twice:\n%s\n%s (err %v)", saved, resaved, err)
		}
	})
}
