package oauth

import "testing"

// TestChecklist46_ReturnPathStaysOnSite checks the open-redirect defence of
// oauth/SECURITY.md #46: only a path on this site survives.
func TestChecklist46_ReturnPathStaysOnSite(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/reports/2026?x=1", "/reports/2026?x=1"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // a path: browsers do not decode %2F into an authority
		{"/%5Cevil.example", "/%5Cevil.example"},
		{"/%09/evil.example", "/%09/evil.example"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"https://evil.example", "/"},
		{"evil.example", "/"},
		{"", "/"},
		{"/\t/evil.example", "/"},
		{"/\r\nSet-Cookie: x=y", "/"},
		{"/\x7f", "/"},
		{"/ok#frag", "/ok#frag"},
		{"/" + string(make([]byte, maxReturnPath)), "/"},
	}
	for _, tt := range tests {
		if got := safeReturnPath(tt.in); got != tt.want {
			t.Errorf("safeReturnPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSafeReturnPath checks that whatever comes out is "/" or a path a
// browser resolves on this site.
func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil", "/\\evil", "https://x", "/%0d%0a", "/..//evil", "/a/../..//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeReturnPath(in)
		if got == "/" {
			return
		}
		if got != in {
			t.Fatalf("safeReturnPath(%q) = %q: changed but not reset to /", in, got)
		}
		if got[0] != '/' || len(got) > 1 && (got[1] == '/' || got[1] == '\\') {
			t.Fatalf("safeReturnPath(%q) = %q: not a local path", in, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] < 0x20 || got[i] == 0x7f || got[i] == '\\' {
				t.Fatalf("safeReturnPath(%q) = %q: has %q", in, got, got[i])
			}
		}
	})
}
