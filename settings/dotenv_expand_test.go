package settings

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestIssue18_ExpansionIsLinear: the audit's reproducer, grown to the
// 1 MiB a .env file may hold. n keys with empty values, A refers to all
// of them, and B to A over and over. Every value is empty, so the 4 MiB
// cap on values never fires; the expansion kept, for each reference, the
// whole list of names the referenced key came from, and an 84 KB file of
// this shape took 1.3 GiB (this one would take tens of GiB). Reading it
// must cost memory in proportion to the file, as any other file does.
func TestIssue18_ExpansionIsLinear(t *testing.T) {
	const keys = 30_000
	var file strings.Builder
	for i := range keys {
		fmt.Fprintf(&file, "K%d=\n", i)
	}
	file.WriteString("A=")
	for i := range keys {
		fmt.Fprintf(&file, "${K%d}", i)
	}
	file.WriteString("\nB=")
	file.WriteString(strings.Repeat("${A}", (maxDotenvBytes-file.Len()-1)/len("${A}")))
	file.WriteString("\n")
	input := file.String()
	if len(input) > maxDotenvBytes || len(input) < maxDotenvBytes-8 {
		t.Fatalf("the reproducer is %d bytes, want just under %d", len(input), maxDotenvBytes)
	}

	// What parsing allocates in all, garbage included; nothing else runs
	// meanwhile, since no test of this package is parallel.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	bindings, err := parseDotenv(strings.NewReader(input), "env/local/.env", nil, isSecretVariable)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if bindings["B"].value != "" || len(bindings) != keys+2 {
		t.Fatalf("B = %q and %d keys, want B empty and %d keys", bindings["B"].value, len(bindings), keys+2)
	}
	// The file is copied a few times on its way in (read, line ends, the
	// string), and each key costs its map entry: some 14 MiB in all.
	const bound = 32 << 20
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > bound {
		t.Errorf("parsing a %d-byte file allocated %d MiB, want at most %d MiB",
			len(input), allocated>>20, bound>>20)
	}
}

// A secret is still followed through any number of keys, and only the
// secrets are: a list of every name a value came from would grow with
// each reference, which is what made expansion quadratic.
func TestExpansionTracksSecretsThroughKeys(t *testing.T) {
	input := "K1=\nK2=x\nA=${K1}${CLIENT_SECRET}${K2}\nB=${A}${A}${K1}\nC=\"${B}${SECRET}${B}\"\nD=${K2}\n"
	bindings, err := parseDotenv(strings.NewReader(input), "test.env", nil, isSecretVariable)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"A": "CLIENT_SECRET", "B": "CLIENT_SECRET", "C": "CLIENT_SECRET SECRET", "D": "", "K1": "",
	} {
		if got := strings.Join(bindings[key].tracked, " "); got != want {
			t.Errorf("%s was expanded from the secrets %q, want %q", key, got, want)
		}
	}
}

// TestIssue18_FailedReferenceIsScannedOnce: a "${" that does not start a
// reference tells how far it looked, so that expand goes on from there
// and not from the next byte. Otherwise each "${" of a long run such as
// "${${${…${a:x" would look as far as the colon again: quadratic work in
// the length of the line.
func TestIssue18_FailedReferenceIsScannedOnce(t *testing.T) {
	for _, tt := range []struct {
		s       string
		name    string // of the reference found; "" for none
		scanned int
	}{
		{"${a}rest", "a", 4},
		{"${a:-b}rest", "a", 7},
		{"${${a}", "${a", 6},
		{"${a:x}", "", 3},    // up to the colon that is not followed by -
		{"${a${b:x}", "", 6}, // the inner ${ would stop at the same colon
		{"${" + strings.Repeat("${", 1000) + "a:x", "", 2003},
		{"${a", "", -1},       // no } anywhere after: nothing more to find
		{"${a:-b", "", -1},    // likewise
		{"${a:-b${c", "", -1}, // likewise
	} {
		ref, scanned, ok := parseReference(tt.s)
		if ref.name != tt.name || scanned != tt.scanned || ok != (tt.name != "") {
			t.Errorf("parseReference(%.20q) = %q, %d, %t; want the reference %q, %d",
				tt.s, ref.name, scanned, ok, tt.name, tt.scanned)
		}
	}
}
