package access

import (
	"strings"
	"testing"
)

func TestParseDomain(t *testing.T) {
	for entry, want := range map[string]string{
		"example.com":           "example.com",
		"EXAMPLE.Com":           "example.com", // ASCII case-insensitive: one form kept
		"*.example.com":         "*.example.com",
		"*.Corp.Example.com":    "*.corp.example.com",
		"xn--bcher-kva.example": "xn--bcher-kva.example", // bücher.example, in its one accepted form
		"a-b.c0.example":        "a-b.c0.example",
	} {
		got, err := ParseDomain(entry)
		if err != nil || got != want {
			t.Errorf("ParseDomain(%q) = %q, %v; want %q", entry, got, err, want)
		}
	}
	for _, entry := range []string{
		"",
		"example.com.",   // a trailing dot: the same domain, spelt twice
		"com",            // one label
		"bücher.example", // Unicode: only the xn-- form is taken
		"exаmple.com",    // a Cyrillic а
		"ｅxample.com",    // fullwidth: IDNA would map it to example.com
		"*.com.",
		"*example.com",
		"a.*.example.com",
		"-a.example.com",
		"a-.example.com",
		"a..example.com",
		".example.com",
		"a_b.example.com",
		"example.com:443",
		"user@example.com",
		" example.com",
		strings.Repeat("a", 64) + ".example.com",
		strings.Repeat("a.", 127) + "com", // 257 characters
	} {
		if got, err := ParseDomain(entry); err == nil {
			t.Errorf("ParseDomain(%q) = %q, want an error", entry, got)
		}
	}
}

// TestIssue20_AddressesParsedStrictly: only a plain local@domain counts,
// and only its domain, in lower case, is compared. Each refused form is
// one that some mail system reads otherwise than another, or that names
// another domain than it seems to.
func TestIssue20_AddressesParsedStrictly(t *testing.T) {
	for address, want := range map[string]string{
		"a@example.com":                    "example.com",
		"a@EXAMPLE.com":                    "example.com",
		"First.Last+tag@Example.COM":       "example.com",
		"a!#$%&'*+-/=?^_`{|}~@example.com": "example.com",
		"a@xn--bcher-kva.example":          "xn--bcher-kva.example",
		"a@example.com.evil.com":           "example.com.evil.com", // parsed, and not example.com
	} {
		if got, ok := addressDomain(address); !ok || got != want {
			t.Errorf("addressDomain(%q) = %q, %v; want %q", address, got, ok, want)
		}
	}
	for _, address := range []string{
		"a@evil.com@example.com",   // two @: whose address is it?
		`"a@example.com"@evil.com`, // a quoted local part
		`"a"@example.com`,
		"a(comment)@example.com",
		"a@example.com(comment)",
		"@evil.com:a@example.com", // a route
		"<a@example.com>",
		"a@example.com.", // a trailing dot
		"a@exаmple.com",  // a Cyrillic а
		"a@ｅxample.com",  // fullwidth
		"a@bücher.example",
		"a@[192.0.2.1]",
		"a b@example.com",
		"a\n@example.com",
		"a..b@example.com",
		".a@example.com",
		"a.@example.com",
		"a@",
		"@example.com",
		"a@localhost",
		"a@example.com\x00.evil.com",
		"a\\@example.com",
		"example.com",
		"",
	} {
		if got, ok := addressDomain(address); ok {
			t.Errorf("addressDomain(%q) = %q, want it refused", address, got)
		}
	}
}

func TestMatchesDomain(t *testing.T) {
	for _, tt := range []struct {
		entry, domain string
		want          bool
	}{
		{"example.com", "example.com", true},
		{"example.com", "eng.example.com", false}, // subdomains only when the entry says so
		{"example.com", "example.com.evil.com", false},
		{"example.com", "badexample.com", false},
		{"*.example.com", "eng.example.com", true},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "badexample.com", false},
		{"*.example.com", "eng.example.com.evil.com", false},
	} {
		if got := matchesDomain(tt.entry, tt.domain); got != tt.want {
			t.Errorf("matchesDomain(%q, %q) = %v, want %v", tt.entry, tt.domain, got, tt.want)
		}
	}
}
