package session

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFileStoreStampsAccessTimeAfterExpiry: the access time is stamped
// after the modification time, so that under relatime (Linux's default)
// reading a session never updates it, and a page view writes nothing to
// the disk, not even the inode.
func TestFileStoreStampsAccessTimeAfterExpiry(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	id := mustID(t)
	expiry := clock.Now().Add(time.Hour)
	if err := s.Save(id, []byte("{}"), expiry); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, hmacHex(testStoreKey, id)))
	if err != nil {
		t.Fatal(err)
	}
	st := info.Sys().(*syscall.Stat_t)
	if atime := time.Unix(st.Atim.Unix()); !atime.After(info.ModTime()) {
		t.Errorf("access time %v, want after the modification time %v", atime, info.ModTime())
	}
}

// TestFileStoreReopenLeaksNoDescriptor: after the directory is removed and
// made anew a few times, the process holds no descriptor of a removed
// one, neither the root's nor the one kept for the fast open.
func TestFileStoreReopenLeaksNoDescriptor(t *testing.T) {
	s, dir, clock := newTestFileStore(t)
	for range 3 {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(mustID(t), []byte("{}"), clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && target == dir+" (deleted)" {
			t.Errorf("descriptor %s still holds the removed directory", fd.Name())
		}
	}
}

// ReadRecord reads no more than the one byte past MaxRecordSize that tells
// an oversized file, however large the file.
func TestReadRecordStopsPastTheLimit(t *testing.T) {
	s, _, _ := newTestFileStore(t)
	name := strings.Repeat("a", 64) // the shape of a record's name
	big := bytes.Repeat([]byte("x"), 3*MaxRecordSize)
	if err := os.WriteFile(filepath.Join(s.dir, name), big, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := s.fs.ReadRecord(name)
	if err != nil || len(b) != MaxRecordSize+1 {
		t.Errorf("ReadRecord of a %d-byte file: %d bytes, %v; want %d", len(big), len(b), err, MaxRecordSize+1)
	}
}
