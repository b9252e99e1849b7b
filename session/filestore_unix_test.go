//go:build unix

package session

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestChecklist41_PermissionsUnderPermissiveUmask: the directory is 0700
// and the files 0600 whatever the process umask; the store does not rely on
// the umask to keep sessions private.
func TestChecklist41_PermissionsUnderPermissiveUmask(t *testing.T) {
	old := syscall.Umask(0) // process-wide: this test must not run in parallel
	defer syscall.Umask(old)

	base := t.TempDir()
	dir := filepath.Join(base, "new", "sessions")
	clock := newFakeClock()
	s, err := NewFileStore(dir, testStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	logs := newLogRecorder()
	m, err := NewManager(s, Options{HashKey: testManagerKey, Now: clock.Now, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	a := &testApp{t: t, clock: clock, store: &countingStore{Store: s}, dir: dir, logs: logs, mgr: m}
	c := a.login()
	a.serve(c, func(s *Session) { // a rewrite as well as a creation
		if err := s.Update(put("more", 1)); err != nil {
			t.Error(err)
		}
	})

	for _, d := range []string{filepath.Join(base, "new"), dir} {
		info, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o700 {
			t.Errorf("%s has mode %#o, want 0700", d, perm)
		}
	}
	names := dirNames(t, dir)
	if len(names) != 1 {
		t.Fatalf("dir holds %q, want one record", names)
	}
	info, err := os.Stat(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("record has mode %#o, want 0600", perm)
	}
}

// fullDiskFS creates the temporary file as usual but hands back a file on
// /dev/full, so that the write fails with a real ENOSPC.
type fullDiskFS struct{ fileSystem }

func (f fullDiskFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	created, err := f.fileSystem.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	created.Close()
	return os.OpenFile("/dev/full", os.O_WRONLY, 0)
}

// TestChecklist42_FailedWriteKeepsPreviousRecord: a disk that fills up
// during a Save leaves the old record readable and no temporary file.
func TestChecklist42_FailedWriteKeepsPreviousRecord(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full:", err)
	}
	s, dir, clock := newTestFileStore(t)
	id := mustID(t)
	old := []byte(`{"old":true}`)
	if err := s.Save(id, old, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.setFS(fullDiskFS{s.fs})
	err := s.Save(id, []byte(`{"new":true}`), clock.Now().Add(time.Hour))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save error %v, want one wrapping ENOSPC", err)
	}
	if got, found, err := s.Load(id); !found || err != nil || !bytes.Equal(got, old) {
		t.Errorf("Load after the failed Save = %q, %v, %v; want %q", got, found, err, old)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left: %q", tmp)
	}
}
