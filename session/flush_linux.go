package session

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// syncFiles makes files durable, and the directory that names them, with
// one syncfs(2): the kernel writes out every change it holds for the file
// system, and asks the disk once to make them stable. An fsync of each
// file and then of the directory asks the disk each time; with a group
// of 30 saves, that made logins a fifth slower. syncfs also writes out
// what other programs have changed on the same file system, so a busy
// neighbour makes flushes slower; MaxUnflushed bounds what that costs.
// It closes the files.
func (s *FileStore) syncFiles(files []*os.File) error {
	var errs []error
	for _, f := range files {
		errs = append(errs, f.Close())
	}
	dir, err := s.open(".")
	if err != nil {
		return fmt.Errorf("flush sessions to disk: %w", errors.Join(append(errs, err)...))
	}
	defer dir.Close()
	errs = append(errs, syncfs(dir))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("flush sessions to disk: %w", err)
	}
	return nil
}

// syncfs asks the kernel to write out, and the disk to make stable, every
// change held for the file system that f is on.
func syncfs(f *os.File) error {
	if _, _, errno := syscall.Syscall(sysSyncfs, f.Fd(), 0, 0); errno != 0 {
		return &os.SyscallError{Syscall: "syncfs", Err: errno}
	}
	return nil
}

// newEntrySync makes the index's new entries durable with one syncfs(2)
// of the file system that holds index, shared by all the logins that need
// it at the same moment (sharedSync). An fsync of each entry's directory
// asked the disk once per login: at 32 logins at once, dropping those
// fsyncs (unsafely) gave 26% more logins/s, and sharing one syncfs, which
// keeps the entries as safe, 10%. A syncfs writes out the session files
// of the group flush too, which is why it pays less than no flush.
func newEntrySync(index *os.Root) (*sharedSync, error) {
	dir, err := index.Open(".")
	if err != nil {
		return nil, err
	}
	// dir stays open for the store's life: syncfs needs a file on the
	// file system it writes out.
	return &sharedSync{sync: func() error { return syncfs(dir) }}, nil
}
