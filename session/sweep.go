package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sweepBatch is how many directory entries the sweep reads at a time, so
// that a directory of a million sessions is never held in memory at once.
const sweepBatch = 1024

// sweepWorkers is how many files the sweep removes at once. Removing a file
// can wait for the disk: a file system mounted with the discard option, for
// one, may trim the freed blocks before unlink returns. One at a time, a
// sweep of 100,000 sessions took 19 to 90 seconds on the busy two-core
// machine of README's Performance section; four at once overlap those
// waits and took 11.
const sweepWorkers = 4

// Sweep removes the files of expired sessions and the temporary files left
// by a crash, and returns how many it removed. Expired sessions already
// count as absent when loaded; the sweep only reclaims their disk space.
//
// It reads nothing but the directory listing and each file's metadata, and
// it takes no lock that a request needs, so requests go on while it runs.
func (s *FileStore) Sweep() (removed int, err error) {
	dir, err := s.open(".")
	if err != nil {
		return 0, fmt.Errorf("sweep sessions: %w", err)
	}
	defer dir.Close()

	now := s.now()
	for {
		entries, readErr := dir.ReadDir(sweepBatch)
		var names []string
		for _, e := range entries {
			if s.expired(e, now) {
				names = append(names, e.Name())
			}
		}
		n, err := s.removeAll(names)
		removed += n
		if err != nil {
			return removed, fmt.Errorf("sweep sessions: %w", err)
		}
		if errors.Is(readErr, io.EOF) {
			return removed, nil
		}
		if readErr != nil {
			return removed, fmt.Errorf("sweep sessions: %w", readErr)
		}
	}
}

// removeAll removes the files names, sweepWorkers at a time, and returns how
// many it removed and the first error. A file that is gone already is no
// error: another process sharing the directory may have removed it first,
// which is the same outcome.
func (s *FileStore) removeAll(names []string) (removed int, err error) {
	var mu sync.Mutex
	var workers sync.WaitGroup
	todo := make(chan string)
	for range min(sweepWorkers, len(names)) {
		workers.Go(func() {
			for name := range todo {
				removeErr := s.remove(name)
				mu.Lock()
				switch {
				case removeErr == nil:
					removed++
				case !errors.Is(removeErr, fs.ErrNotExist) && err == nil:
					err = removeErr
				}
				mu.Unlock()
			}
		})
	}
	for _, name := range names {
		todo <- name
	}
	close(todo)
	workers.Wait()
	return removed, err
}

// expired reports whether the sweep should remove the directory entry e.
// Files of any other shape are left alone: they are not ours.
func (s *FileStore) expired(e fs.DirEntry, now time.Time) bool {
	name := e.Name()
	if !e.Type().IsRegular() {
		return false
	}
	if t, ok := tempCreated(name); ok {
		return now.Sub(t) > staleTempAge
	}
	if !isRecordName(name) {
		return false
	}
	info, err := e.Info()
	if err != nil {
		return false // removed meanwhile
	}
	return !info.ModTime().After(now)
}

// tempCreated reads the creation time that tempName put in a temporary
// file's name.
func tempCreated(name string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(name, tempPrefix)
	if !ok {
		return time.Time{}, false
	}
	nanos, _, ok := strings.Cut(rest, "-")
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

// RunSweeper calls Sweep every interval until ctx is done, logging what it
// does (to slog.Default() when logger is nil). Run it in its own goroutine;
// it returns once ctx is cancelled and no sweep is in progress.
func (s *FileStore) RunSweeper(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			start := time.Now()
			removed, err := s.Sweep()
			if err != nil {
				logger.Error("session sweep failed", "removed", removed, "err", err)
				continue
			}
			logger.Debug("session sweep", "removed", removed, "took", time.Since(start))
		}
	}
}
