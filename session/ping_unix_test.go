//go:build unix

package session

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
)

// TestFileStorePingSaysWhetherItCanSave: Ping answers while a save would
// work, fails while it would not (the directory gone, the disk full),
// answers again once the directory is back, and leaves no file behind.
func TestFileStorePingSaysWhetherItCanSave(t *testing.T) {
	s, dir, _ := newTestFileStore(t)
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping of a fresh store: %v", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("Ping left %v behind", names)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping answered with the directory gone")
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping with the directory made anew: %v", err)
	}

	if _, err := os.Stat("/dev/full"); err == nil {
		s.setFS(fullDiskFS{s.fs})
		err := s.Ping(ctx)
		if !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("Ping on a full disk: %v, want ENOSPC", err)
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("a failed Ping left %v behind", names)
		}
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Ping(cancelled); err == nil {
		t.Error("Ping answered with its context done")
	}
}
