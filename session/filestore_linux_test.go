package session

import (
	"os"
	"path/filepath"
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
