//go:build !linux

package session

import (
	"errors"
	"fmt"
	"os"
)

// syncFiles makes files durable, then the directory, so that the names
// reach the disk no earlier than the data they name. It closes the files.
func (s *FileStore) syncFiles(files []*os.File) error {
	var errs []error
	for _, f := range files {
		errs = append(errs, f.Sync(), f.Close())
	}
	if dir, err := s.open("."); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, dir.Sync(), dir.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("flush sessions to disk: %w", err)
	}
	return nil
}

// newEntrySync returns nil: the index makes each new entry durable with an
// fsync of its directory (fileindex.go).
func newEntrySync(*os.Root) (*sharedSync, error) { return nil, nil }
