package session

import (
	"bytes"
	"errors"
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

// shortReads reads b in pieces of at most n bytes, as a FUSE or network
// file system may answer, and then reports the end as read(2) does: with
// a read of nothing.
func shortReads(b []byte, n int) func([]byte) (int, error) {
	return func(p []byte) (int, error) {
		m := copy(p[:min(len(p), n)], b)
		b = b[m:]
		return m, nil
	}
}

// TestIssue18_ShortReadsAreNotTheEndOfARecord: a read that returns less
// than it was asked for is not the end of the file. ReadRecord reads on
// until a read returns nothing, so a record served in pieces comes back
// whole, whether it fits the first buffer or not; cut short, it would be
// malformed, and the Manager would remove it and end the session. An
// oversized file still stops one byte past the limit.
func TestIssue18_ShortReadsAreNotTheEndOfARecord(t *testing.T) {
	for _, size := range []int{700, 3*recordReadSize + 5, MaxRecordSize, 3 * MaxRecordSize} {
		file := make([]byte, size)
		for i := range file {
			file[i] = byte(i % 251) // no two pieces of 100 bytes alike
		}
		got, err := readToEnd(shortReads(file, 100))
		want := file[:min(size, MaxRecordSize+1)]
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("a %d-byte file read 100 bytes at a time: %d bytes (err %v), want %d", size, len(got), err, len(want))
		}
	}
	errDisk := errors.New("injected read failure")
	if _, err := readToEnd(func([]byte) (int, error) { return 0, errDisk }); !errors.Is(err, errDisk) {
		t.Errorf("readToEnd = %v, want the read's error", err)
	}
}
