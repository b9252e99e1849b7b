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
	if _, _, errno := syscall.Syscall(sysSyncfs, dir.Fd(), 0, 0); errno != 0 {
		errs = append(errs, &os.SyscallError{Syscall: "syncfs", Err: errno})
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("flush sessions to disk: %w", err)
	}
	return nil
}
