package session

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// indexedApp is a Manager on an IndexedFileStore, driven through its
// middleware as a server drives it.
type indexedApp struct {
	t     *testing.T
	store *IndexedFileStore
	mgr   *Manager
	clock *fakeClock
}

func newIndexedApp(t *testing.T) *indexedApp {
	t.Helper()
	clock := newFakeClock()
	dir := t.TempDir()
	files, err := NewFileStore(filepath.Join(dir, "sessions"), testStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	store, err := NewIndexedFileStore(files)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewManager(store, Options{HashKey: testManagerKey, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &indexedApp{t: t, store: store, mgr: m, clock: clock}
}

// login starts a session, renews it as a login does, files it under
// terms, and returns its ID.
func (a *indexedApp) login(terms ...string) string {
	a.t.Helper()
	rec := httptest.NewRecorder()
	a.mgr.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		s := FromRequest(r)
		if err := s.Update(func(v *Values) error { return v.Put("pending", "x") }); err != nil {
			a.t.Fatal(err)
		}
		if err := s.Renew(func(v *Values) error {
			v.Delete("pending")
			if err := v.Put("user", terms[0]); err != nil {
				return err
			}
			return v.FileUnder(terms...)
		}); err != nil {
			a.t.Fatal(err)
		}
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://app.example/", nil))
	cookies := rec.Result().Cookies()
	return cookies[len(cookies)-1].Value
}

func (a *indexedApp) alive(id string) bool {
	a.t.Helper()
	_, found, err := a.store.Load(id)
	if err != nil {
		a.t.Fatal(err)
	}
	return found
}

func (a *indexedApp) end(term string) int {
	a.t.Helper()
	n, err := a.store.EndSessions(context.Background(), term)
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

// TestIndexedFileStoreEndsTheSessionsOfATerm: ending by a provider session
// ends that session only; ending by the person ends the person's others,
// and nobody else's.
func TestIndexedFileStoreEndsTheSessionsOfATerm(t *testing.T) {
	a := newIndexedApp(t)
	phone := a.login("person alice", "sid s1")
	laptop := a.login("person alice", "sid s2")
	bob := a.login("person bob")

	if n := a.end("sid s1"); n != 1 || a.alive(phone) || !a.alive(laptop) {
		t.Fatalf("ending sid s1 ended %d; phone alive %v, laptop alive %v", n, a.alive(phone), a.alive(laptop))
	}
	if n := a.end("person alice"); n != 1 || a.alive(laptop) {
		t.Fatalf("ending alice ended %d; laptop alive %v", n, a.alive(laptop))
	}
	if !a.alive(bob) {
		t.Fatal("bob's session ended with alice's")
	}
}

// TestIndexStaleEntryEndsNoOtherSession: an entry under alice's term that
// names bob's record (stale, or planted) does not end bob's session.
func TestIndexStaleEntryEndsNoOtherSession(t *testing.T) {
	a := newIndexedApp(t)
	a.login("person alice")
	bob := a.login("person bob")
	entry := a.store.termDir("person alice") + "/" + a.store.fileName(bob)
	f, err := a.store.index.Create(entry)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if n := a.end("person alice"); n != 1 {
		t.Errorf("ended %d sessions, want alice's 1", n)
	}
	if !a.alive(bob) {
		t.Fatal("a stale entry under alice ended bob's session")
	}
}

// TestIndexBoundsTheSessionsOfATerm: the MaxIndexed+1-th login of one
// person ends the session that would expire first, so the index never
// holds more, and never forgets a live one.
func TestIndexBoundsTheSessionsOfATerm(t *testing.T) {
	a := newIndexedApp(t)
	ids := make([]string, MaxIndexed+1)
	for i := range ids {
		ids[i] = a.login("person alice")
		a.clock.Advance(time.Second) // later logins expire later
	}
	if a.alive(ids[0]) {
		t.Error("the oldest session outlived the bound")
	}
	for _, id := range ids[1:] {
		if !a.alive(id) {
			t.Fatal("a session within the bound ended")
		}
	}
	if n := a.end("person alice"); n != MaxIndexed {
		t.Errorf("ended %d, want %d", n, MaxIndexed)
	}
}

// TestIndexSweepRemovesEntriesOfEndedSessions: after a logout, the sweep
// removes the session's entry and the term's empty directory; a live
// session's entry stays.
func TestIndexSweepRemovesEntriesOfEndedSessions(t *testing.T) {
	a := newIndexedApp(t)
	gone := a.login("person alice")
	kept := a.login("person bob")
	if err := a.store.Delete(gone); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Sweep(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.index.Lstat(a.store.termDir("person alice")); !os.IsNotExist(err) {
		t.Errorf("alice's index directory is still there after the sweep (err %v)", err)
	}
	if _, err := a.store.index.Lstat(a.store.termDir("person bob") + "/" + a.store.fileName(kept)); err != nil {
		t.Errorf("bob's live entry was swept: %v", err)
	}
}

// The crash test runs this file's tests binary again as a child that logs
// people in, one new person after another, and kills itself with SIGKILL
// the moment the record of its killAfter-th session has been renamed into
// place: the last instant at which its index entry could still be
// missing.
const crashChildEnv = "SESSION_INDEX_CRASH_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(crashChildEnv); v != "" {
		os.Exit(crashChild(v))
	}
	os.Exit(m.Run())
}

// killingFS is a fileSystem that kills the process after its killAfter-th
// rename.
type killingFS struct {
	fileSystem
	renames, killAfter *int
}

func (k killingFS) Rename(oldname, newname string) error {
	err := k.fileSystem.Rename(oldname, newname)
	if *k.renames++; *k.renames == *k.killAfter {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return err
}

func crashChild(arg string) int {
	dir, n, _ := strings.Cut(arg, ",")
	killAfter, err := strconv.Atoi(n)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	files, err := NewFileStore(dir, testStoreKey, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	renames := 0
	files.setFS(killingFS{files.fs, &renames, &killAfter})
	store, err := NewIndexedFileStore(files)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := 0; ; i++ {
		var v Values
		v.FileUnder("person " + strconv.Itoa(i))
		now := time.Now().Unix()
		rec, err := record{Version: recordVersion, Created: now, Seen: now, Values: v}.MarshalJSON()
		if err == nil {
			err = store.Save(fmt.Sprintf("id-%d", i), rec, time.Now().Add(time.Hour))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
}

// TestIssue23_CrashLeavesNoSessionTheIndexMisses: a process killed with
// SIGKILL just as a session's record lands leaves no session that ending
// its person would miss: the index entry is written, and synced, before
// the record.
func TestIssue23_CrashLeavesNoSessionTheIndexMisses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, killAfter := range []int{1, 5, 30} {
		dir := filepath.Join(t.TempDir(), "sessions")
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir+","+strconv.Itoa(killAfter))
		out, err := cmd.CombinedOutput()
		if status, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || status.Signal() != syscall.SIGKILL {
			t.Fatalf("the child was not killed: %v; output %s", err, out)
		}

		files, err := NewFileStore(dir, testStoreKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		store, err := NewIndexedFileStore(files)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		records := 0
		for _, e := range entries {
			if !isRecordName(e.Name()) {
				continue
			}
			rec, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			records++
			for _, term := range IndexTerms(rec) {
				if _, err := store.EndSessions(context.Background(), term); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Lstat(filepath.Join(dir, e.Name())); !os.IsNotExist(err) {
				t.Fatalf("killed after %d saves: the session of %q survived ending its person: its index entry is missing",
					killAfter, IndexTerms(rec))
			}
		}
		if records != killAfter {
			t.Fatalf("killed after %d saves: %d sessions on disk", killAfter, records)
		}
	}
}

// TestIndexFindsSessionsFiledBeforeAKeyRotation: a session filed under
// the previous key is ended by a store on the new key that accepts the
// previous one.
func TestIndexFindsSessionsFiledBeforeAKeyRotation(t *testing.T) {
	a := newIndexedApp(t)
	id := a.login("person alice")
	files, err := NewFileStore(a.store.dir, []byte("the new file-name key, 32 bytes!"), a.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := files.AcceptPreviousKeys(testStoreKey); err != nil {
		t.Fatal(err)
	}
	rotated, err := NewIndexedFileStore(files)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rotated.EndSessions(context.Background(), "person alice"); n != 1 || err != nil {
		t.Fatalf("EndSessions after the rotation = %d, %v; want the session filed before it", n, err)
	}
	if a.alive(id) {
		t.Fatal("the session filed before the rotation outlived ending its person")
	}
}
