package session

import (
	"errors"
	"io/fs"
	"os"
	"testing"
	"time"
)

// TestFileStoreReopensARecreatedDirectory: when the session directory is
// removed under a running store, saving fails (and the store does not make
// the directory itself: it may be an unmounted volume); once the directory
// is back, the next save uses it.
func TestFileStoreReopensARecreatedDirectory(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	id := mustID(t)
	expiry := clock.Now().Add(time.Hour)
	if err := s.Save(id, []byte("{}"), expiry); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}

	err := s.Save(id, []byte("{}"), expiry)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Save without the directory: %v, want an error wrapping fs.ErrNotExist", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the store made the directory itself: %v", err)
	}
	if _, found, err := s.Load(id); found || err != nil {
		t.Fatalf("Load without the directory: found %v, err %v; want no session", found, err)
	}

	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(id, []byte(`{"back":true}`), expiry); err != nil {
		t.Fatalf("Save into the recreated directory: %v", err)
	}
	b, found, err := s.Load(id)
	if err != nil || !found || string(b) != `{"back":true}` {
		t.Fatalf("Load after the directory came back: %q, %v, %v", b, found, err)
	}
	if _, err := os.Stat(dir + "/" + s.fileName(id)); err != nil {
		t.Errorf("the record is not in the recreated directory: %v", err)
	}
}

// TestFileStoreDoesNotReopenAnUnsafeDirectory: a directory that comes back
// open to other users is refused, as at start-up (oauth/SECURITY.md #41).
func TestFileStoreDoesNotReopenAnUnsafeDirectory(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(mustID(t), []byte("{}"), clock.Now().Add(time.Hour)); err == nil {
		t.Fatal("Save reopened a directory with mode 0777")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("%d files written into the unsafe directory", len(entries))
	}
}

// closeRecorder is a fileSystem that notes whether it was closed.
type closeRecorder struct {
	fileSystem
	closed bool
}

func (c *closeRecorder) Close() error {
	c.closed = true
	return c.fileSystem.Close()
}

// TestFileStoreReopenClosesTheOldDirectory: the handle of the removed
// directory is closed once the store moves to the new one; otherwise each
// reopen would leak a descriptor.
func TestFileStoreReopenClosesTheOldDirectory(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	old := &closeRecorder{fileSystem: s.fs}
	s.setFS(old)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(mustID(t), []byte("{}"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Save into the recreated directory: %v", err)
	}
	if !old.closed {
		t.Error("the old directory handle was not closed")
	}
}
