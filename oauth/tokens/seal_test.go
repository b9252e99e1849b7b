package tokens

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeptTokensAreSealedAndBoundToTheSession: no token is in the session
// files in clear; a record copied under another session's name does not
// open there, and its tokens are not used.
func TestKeptTokensAreSealedAndBoundToTheSession(t *testing.T) {
	p := newStubProvider(t, 60)
	dir := newSessionDir(t)
	inst := newInstance(t, p, instanceOptions{dir: dir})
	ada := newBrowser(t)
	adaToken := ada.logIn(inst)
	before := sessionFiles(t, dir)
	p.set(func(p *stubProvider) { p.user = "bob" })
	bob := newBrowser(t)
	bob.logIn(inst)

	files := sessionFiles(t, dir)
	p.mu.Lock()
	var secrets []string
	for at := range p.access {
		secrets = append(secrets, at)
	}
	for rt := range p.grants {
		secrets = append(secrets, rt)
	}
	p.mu.Unlock()
	for name, b := range files {
		for _, s := range secrets {
			if strings.Contains(string(b), s) || strings.Contains(string(b), s[3:]) {
				t.Fatalf("session file %s holds a token in clear", name)
			}
		}
	}
	// Bob's session file gets Ada's record, as someone with write access
	// to the directory could do.
	var adaName, bobName string
	for name := range files {
		if _, ok := before[name]; ok {
			adaName = name
		} else {
			bobName = name
		}
	}
	writeFile(t, dir, bobName, string(files[adaName]))
	if got := bob.page(inst.URL + "/"); got != "not kept" {
		t.Fatalf("Bob's session with Ada's record: %q, want her tokens not to open", got)
	}
	if !strings.Contains(inst.logs.String(), `"event":"tokens_unreadable"`) {
		t.Error("no tokens_unreadable record in the log")
	}
	if got := ada.page(inst.URL + "/"); got != "token "+adaToken {
		t.Errorf("Ada's own session: %q", got)
	}
	for _, s := range secrets {
		if strings.Contains(inst.logs.String(), s) {
			t.Fatal("the log holds a token")
		}
	}
}

// TestRecordSealedUnderAPreviousKeyIsSealedAgain: after the secret is
// rotated (the new one first, the old one after it), tokens sealed under
// the old one still open, and are sealed again under the new one, so that
// the old key can go.
func TestRecordSealedUnderAPreviousKeyIsSealedAgain(t *testing.T) {
	p := newStubProvider(t, 60)
	dir := newSessionDir(t)
	before := newInstance(t, p, instanceOptions{dir: dir, keys: [][]byte{testOldSecret}})
	b := newBrowser(t)
	token := b.logIn(before)
	sealedBefore := sessionFiles(t, dir)

	rotated := newInstance(t, p, instanceOptions{dir: dir, keys: [][]byte{testSecret, testOldSecret}})
	if got := b.page(rotated.URL + "/"); got != "token "+token {
		t.Fatalf("after the rotation: %q, want the same token", got)
	}
	for name, rec := range sessionFiles(t, dir) {
		if string(rec) == string(sealedBefore[name]) {
			t.Fatal("the record was not sealed again")
		}
	}
	after := newInstance(t, p, instanceOptions{dir: dir, keys: [][]byte{testSecret}})
	if got := b.page(after.URL + "/"); got != "token "+token {
		t.Fatalf("without the old key: %q, want the same token", got)
	}
	if sent, _ := p.refreshTokensSent(); len(sent) != 0 {
		t.Errorf("%d refreshes; sealing again needs none", len(sent))
	}
}

func TestSealOpensOnlyForItsSession(t *testing.T) {
	key, err := newSealKey(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	keys := []sealKey{key}
	set := tokenSet{Access: "AT", Refresh: "RT", Obtained: 1}
	bindA := func(k []byte) []byte { return append([]byte("A"), k...) }
	bindB := func(k []byte) []byte { return append([]byte("B"), k...) }
	sealed, err := seal(keys, set, bindA)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, sealVersion) || strings.Contains(sealed, "AT") {
		t.Fatalf("sealed %q", sealed)
	}
	if got, old, err := open(keys, sealed, bindA); err != nil || old || got != set {
		t.Fatalf("open = %+v, %v, %v", got, old, err)
	}
	if _, _, err := open(keys, sealed, bindB); err != errUnreadable {
		t.Errorf("opened for another session: %v", err)
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, _, err := open(keys, tampered, bindA); err != errUnreadable {
		t.Errorf("opened a changed value: %v", err)
	}
	if _, err := seal(keys, set, func([]byte) []byte { return nil }); err == nil {
		t.Error("sealed for a session without an ID")
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
