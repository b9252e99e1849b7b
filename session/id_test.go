package session

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// TestChecklist31_NewIDsAreUniqueAndCarry256Bits: IDs come from crypto/rand,
// look like ^[A-Za-z0-9_-]{43}$, decode to 32 bytes, never repeat, and pass
// the validity check that the middleware applies to cookies.
func TestChecklist31_NewIDsAreUniqueAndCarry256Bits(t *testing.T) {
	const n = 10000
	seen := make(map[string]bool, n)
	for range n {
		id, err := newID()
		if err != nil {
			t.Fatal(err)
		}
		if !idPattern.MatchString(id) {
			t.Fatalf("ID %q does not match %v", id, idPattern)
		}
		b, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(b) != 32 {
			t.Fatalf("ID %q decodes to %d bytes (err %v), want 32", id, len(b), err)
		}
		if seen[id] {
			t.Fatalf("ID %q issued twice", id)
		}
		seen[id] = true
		if !validID(id) {
			t.Fatalf("validID refuses the fresh ID %q", id)
		}
	}
}

// nonCanonicalID returns a 43-character string that differs from a real ID
// only in its last character, whose two unused low bits are set: it decodes
// leniently to the same 32 bytes, but newID never writes it.
func nonCanonicalID(t *testing.T) string {
	t.Helper()
	id, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, id[42])
	if last&3 != 0 {
		t.Fatalf("last character of %q carries padding bits", id)
	}
	odd := id[:42] + string(alphabet[last|1])
	if _, err := base64.RawURLEncoding.DecodeString(odd); err != nil {
		t.Fatalf("%q should decode leniently: %v", odd, err)
	}
	return odd
}

// TestChecklist39_ValidIDRefusesAnythingNewIDCannotMake: the shape check that
// runs before any store access refuses path tricks, wrong lengths and the
// non-canonical spellings of a real ID.
func TestChecklist39_ValidIDRefusesAnythingNewIDCannotMake(t *testing.T) {
	good, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	// 31 bytes encode to 42 characters; with a newline they are 43, and
	// base64 decoding skips newlines even in strict mode.
	withNewline := base64.RawURLEncoding.EncodeToString(make([]byte, 31))
	withNewline = withNewline[:20] + "\n" + withNewline[20:]

	tests := []struct {
		name, id string
	}{
		{"empty", ""},
		{"42 chars", good[:42]},
		{"44 chars", good + "A"},
		{"dot-dot path", "../../etc/passwd"},
		{"escaped dot-dot path", "..%2F..%2Fx"},
		{"slash", "a/b"},
		{"dot", "."},
		{"dot-dot", ".."},
		{"NUL", "\x00"},
		{"escaped NUL", "%00"},
		{"windows path", `C:\x`},
		{"4000 A", strings.Repeat("A", 4000)},
		{"non-canonical last char", nonCanonicalID(t)},
		{"43 chars with slash", good[:21] + "/" + good[22:]},
		{"43 chars with plus (std alphabet)", good[:21] + "+" + good[22:]},
		{"43 chars with padding", good[:42] + "="},
		{"43 chars with newline", withNewline},
		{"43 chars with NUL", good[:42] + "\x00"},
		{"43 chars with non-ASCII", good[:41] + "é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if validID(tt.id) {
				t.Errorf("validID(%q) = true, want false", tt.id)
			}
		})
	}
}
