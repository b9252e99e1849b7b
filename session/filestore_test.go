package session

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// newTestFileStore returns a FileStore in a fresh directory with a fake
// clock.
func newTestFileStore(t *testing.T) (*FileStore, string, *fakeClock) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sessions")
	clock := newFakeClock()
	s, err := NewFileStore(dir, testStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Flush() }) // before the directory goes
	return s, dir, clock
}

func mustID(t *testing.T) string {
	t.Helper()
	id, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// tempFiles lists the names in dir that start like a temporary file.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, name := range dirNames(t, dir) {
		if strings.HasPrefix(name, tempPrefix) {
			out = append(out, name)
		}
	}
	return out
}

func TestFileStoreSaveLoadDelete(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	id := mustID(t)

	if b, found, err := s.Load(id); found || err != nil || b != nil {
		t.Fatalf("Load of a missing id = %q, %v, %v; want nil, false, nil", b, found, err)
	}
	want := []byte(`{"v":1,"created":1,"seen":1,"values":{"a":"b"}}`)
	if err := s.Save(id, want, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.Load(id)
	if err != nil || !found || !bytes.Equal(got, want) {
		t.Fatalf("Load = %q, %v, %v; want %q", got, found, err, want)
	}
	replacement := []byte(`{"v":1,"created":1,"seen":2,"values":{}}`)
	if err := s.Save(id, replacement, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Load(id); !bytes.Equal(got, replacement) {
		t.Fatalf("after a second Save, Load = %q, want %q", got, replacement)
	}
	if err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Load(id); found || err != nil {
		t.Fatalf("Load after Delete: found %v, err %v", found, err)
	}
	if err := s.Delete(id); err != nil {
		t.Errorf("Delete of a missing record: %v, want nil", err)
	}
}

// TestChecklist40_FileNameIsKeyedHashOfID: the file is named
// hex(HMAC-SHA-256(key, id)); no file name contains the ID, and without the
// key the record cannot be found.
func TestChecklist40_FileNameIsKeyedHashOfID(t *testing.T) {
	t.Run("FileStore", func(t *testing.T) {
		s, dir, clock := newTestFileStore(t)
		id := mustID(t)
		if err := s.Save(id, []byte("{}"), clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		names := dirNames(t, dir)
		if want := []string{hmacHex(testStoreKey, id)}; !slices.Equal(names, want) {
			t.Errorf("dir holds %q, want %q", names, want)
		}

		other, err := NewFileStore(dir, []byte("another key"), clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		if _, found, _ := other.Load(id); found {
			t.Error("a store with another key found the record: the key does not name the file")
		}
	})
	t.Run("through the Manager", func(t *testing.T) {
		a := newApp(t, fileKind, nil)
		c := a.login()
		names := dirNames(t, a.dir)
		if want := []string{hmacHex(testStoreKey, c.Value)}; !slices.Equal(names, want) {
			t.Errorf("dir holds %q, want %q", names, want)
		}
		for _, name := range names {
			if strings.Contains(name, c.Value) {
				t.Errorf("file name %q contains the session ID", name)
			}
		}
	})
}

// TestFileStoreStampsExpiry: the file's modification time is the expiry
// given to Save, which is what the sweep and Load go by.
func TestFileStoreStampsExpiry(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	id := mustID(t)
	expiry := clock.Now().Add(17*time.Minute + 3*time.Second)
	if err := s.Save(id, []byte("{}"), expiry); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, hmacHex(testStoreKey, id)))
	if err != nil {
		t.Fatal(err)
	}
	if !info.ModTime().Equal(expiry) {
		t.Errorf("mtime %v, want the expiry %v", info.ModTime(), expiry)
	}
}

// TestFileStoreLoadLeavesTimeoutsToTheManager: Load returns a record
// past its expiry, so the Manager can say which timeout ended it; the
// sweep reclaims the file.
func TestFileStoreLoadLeavesTimeoutsToTheManager(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	id := mustID(t)
	if err := s.Save(id, []byte("{}"), clock.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if _, found, err := s.Load(id); err != nil || !found {
		t.Fatalf("Load past expiry: found %v, err %v; want the record", found, err)
	}
	if removed, err := s.Sweep(); err != nil || removed != 1 {
		t.Fatalf("Sweep: removed %d, err %v; want 1", removed, err)
	}
}

// TestChecklist44_FileStoreRefusesOversizedRecord: a file larger than any
// record this package writes is no session, and it is removed.
func TestChecklist44_FileStoreRefusesOversizedRecord(t *testing.T) {
	for _, size := range []int{MaxRecordSize, MaxRecordSize + 1, 10 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			s, dir, clock := newTestFileStore(t)
			id := mustID(t)
			path := filepath.Join(dir, hmacHex(testStoreKey, id))
			if err := os.WriteFile(path, bytes.Repeat([]byte("x"), size), 0o600); err != nil {
				t.Fatal(err)
			}
			future := clock.Now().Add(time.Hour)
			if err := os.Chtimes(path, future, future); err != nil {
				t.Fatal(err)
			}
			b, found, err := s.Load(id)
			if err != nil {
				t.Fatal(err)
			}
			if wantFound := size <= MaxRecordSize; found != wantFound || (found && len(b) != size) {
				t.Fatalf("Load of %d bytes: found %v with %d bytes; want found %v", size, found, len(b), wantFound)
			}
			if _, err := os.Stat(path); found == os.IsNotExist(err) {
				t.Errorf("file exists %v after Load found %v; a refused file should be removed, a good one kept", !os.IsNotExist(err), found)
			}
		})
	}
}

// TestChecklist41_NewFileStoreRefusesUnsafeDir: session files are secrets,
// so a directory that others can reach, or a symbolic link to one, is
// refused.
func TestChecklist41_NewFileStoreRefusesUnsafeDir(t *testing.T) {
	modeDir := func(mode os.FileMode) func(t *testing.T, base string) string {
		return func(t *testing.T, base string) string {
			dir := filepath.Join(base, "d")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, mode); err != nil { // beyond the umask
				t.Fatal(err)
			}
			return dir
		}
	}
	symlink := func(suffix string) func(t *testing.T, base string) string {
		return func(t *testing.T, base string) string {
			real := modeDir(0o700)(t, base)
			link := filepath.Join(base, "link")
			if err := os.Symlink(real, link); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			return link + suffix
		}
	}
	tests := []struct {
		name   string
		setup  func(t *testing.T, base string) string
		key    []byte
		wantOK bool
	}{
		{"mode 0777", modeDir(0o777), testStoreKey, false},
		{"mode 0750", modeDir(0o750), testStoreKey, false},
		{"mode 0701", modeDir(0o701), testStoreKey, false},
		{"symlink", symlink(""), testStoreKey, false},
		{"symlink with trailing slash", symlink(string(filepath.Separator)), testStoreKey, false},
		{"regular file", func(t *testing.T, base string) string {
			p := filepath.Join(base, "f")
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, testStoreKey, false},
		{"empty key", modeDir(0o700), nil, false},
		{"existing 0700", modeDir(0o700), testStoreKey, true},
		{"missing, nested", func(_ *testing.T, base string) string { return filepath.Join(base, "a", "b") }, testStoreKey, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.setup(t, t.TempDir())
			s, err := NewFileStore(dir, tt.key, nil)
			if (err == nil) != tt.wantOK {
				t.Fatalf("NewFileStore: err %v, want ok %v", err, tt.wantOK)
			}
			if !tt.wantOK {
				return
			}
			info, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !info.IsDir() || info.Mode().Perm()&0o077 != 0 {
				t.Errorf("dir mode %v", info.Mode())
			}
			if err := s.Save(mustID(t), []byte("{}"), time.Now().Add(time.Hour)); err != nil {
				t.Errorf("Save in the new store: %v", err)
			}
		})
	}
}

// TestChecklist42_ConcurrentSaveAndLoadSeeWholeRecords: readers racing with
// writers see one complete record or another, never a mix, and no
// temporary file outlives the writes.
func TestChecklist42_ConcurrentSaveAndLoadSeeWholeRecords(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	id := mustID(t)
	const writers, readers, rounds = 50, 50, 20
	expiry := clock.Now().Add(time.Hour)

	// Records big enough to take several writes each, and each one
	// different all the way through.
	payload := func(w, r int) []byte {
		return []byte(fmt.Sprintf(`{"w":%d,"r":%d,"pad":"%s"}`, w, r, strings.Repeat(fmt.Sprintf("%02d%02d", w, r), 4000)))
	}
	valid := make(map[string]bool)
	for w := range writers {
		for r := range rounds {
			valid[string(payload(w, r))] = true
		}
	}
	if err := s.Save(id, payload(0, 0), expiry); err != nil {
		t.Fatal(err)
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			<-start
			for r := range rounds {
				if err := s.Save(id, payload(w, r), expiry); err != nil {
					t.Errorf("Save: %v", err)
					return
				}
			}
		})
	}
	var mu sync.Mutex
	seen := 0
	for range readers {
		wg.Go(func() {
			<-start
			for range rounds {
				b, found, err := s.Load(id)
				if err != nil || !found {
					t.Errorf("Load: found %v, err %v", found, err)
					return
				}
				if !valid[string(b)] {
					t.Errorf("Load returned %d bytes that no writer wrote", len(b))
					return
				}
				mu.Lock()
				seen++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()

	if seen != readers*rounds {
		t.Errorf("%d good loads, want %d", seen, readers*rounds)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left: %q", tmp)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("dir holds %q, want one record", names)
	}
}

// failRenameFS is a fileSystem whose Rename always fails.
type failRenameFS struct{ fileSystem }

var errRename = errors.New("injected rename failure")

func (failRenameFS) Rename(string, string) error { return errRename }

// TestChecklist42_FailedRenameKeepsPreviousRecord: a Save that fails at the
// last step reports why, and leaves the old record and no temporary file.
func TestChecklist42_FailedRenameKeepsPreviousRecord(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	id := mustID(t)
	old := []byte(`{"old":true}`)
	if err := s.Save(id, old, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.setFS(failRenameFS{s.fs})
	err := s.Save(id, []byte(`{"new":true}`), clock.Now().Add(time.Hour))
	if !errors.Is(err, errRename) {
		t.Fatalf("Save error %v, want one wrapping %v", err, errRename)
	}
	if got, found, err := s.Load(id); !found || err != nil || !bytes.Equal(got, old) {
		t.Errorf("Load after the failed Save = %q, %v, %v; want %q", got, found, err, old)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left: %q", tmp)
	}
}

// recordingFS is a fileSystem that notes every name it is given.
type recordingFS struct {
	fileSystem
	mu    sync.Mutex
	names []string
}

func (r *recordingFS) note(names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, names...)
}

func (r *recordingFS) ReadRecord(name string) ([]byte, error) {
	r.note(name)
	return r.fileSystem.ReadRecord(name)
}

func (r *recordingFS) Open(name string) (*os.File, error) {
	r.note(name)
	return r.fileSystem.Open(name)
}

func (r *recordingFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	r.note(name)
	return r.fileSystem.OpenFile(name, flag, perm)
}

func (r *recordingFS) Chtimes(name string, atime, mtime time.Time) error {
	r.note(name)
	return r.fileSystem.Chtimes(name, atime, mtime)
}

func (r *recordingFS) Rename(oldname, newname string) error {
	r.note(oldname, newname)
	return r.fileSystem.Rename(oldname, newname)
}

func (r *recordingFS) Remove(name string) error {
	r.note(name)
	return r.fileSystem.Remove(name)
}

// TestChecklist39_FileStoreOnlyUsesDerivedNames: every name the store hands
// to the file system is a bare name it made itself (a hash, a temporary
// name, or the directory itself), never the ID or anything with a path in
// it.
func TestChecklist39_FileStoreOnlyUsesDerivedNames(t *testing.T) {
	s, _, clock := newTestFileStore(t)
	rec := &recordingFS{fileSystem: s.fs}
	s.setFS(rec)

	ids := []string{mustID(t), mustID(t)}
	for _, id := range ids {
		if err := s.Save(id, []byte("{}"), clock.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Load(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ids[0]); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if _, _, err := s.Load(ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(); err != nil {
		t.Fatal(err)
	}

	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	ok := regexp.MustCompile(`^([0-9a-f]{64}|tmp-[0-9]+-[0-9a-f]{16}|\.)$`)
	if len(rec.names) == 0 {
		t.Fatal("no file system calls recorded")
	}
	for _, name := range rec.names {
		if !ok.MatchString(name) {
			t.Errorf("file system given the name %q", name)
		}
		for _, id := range ids {
			if strings.Contains(name, id) {
				t.Errorf("file system given the ID in %q", name)
			}
		}
	}
}

// TestChecklist39_SymlinkOutOfDirIsNotFollowed: a record name that is a
// symbolic link to a file outside the directory is not read through.
func TestChecklist39_SymlinkOutOfDirIsNotFollowed(t *testing.T) {
	s, dir, _ := newTestFileStore(t)
	id := mustID(t)
	outside := filepath.Join(filepath.Dir(dir), "outside")
	if err := os.WriteFile(outside, []byte(`{"v":1,"created":1,"seen":1,"values":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, hmacHex(testStoreKey, id))); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if b, found, _ := s.Load(id); found || b != nil {
		t.Errorf("Load read %q through a symbolic link out of the directory", b)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("the outside file was touched: %v", err)
	}
}
