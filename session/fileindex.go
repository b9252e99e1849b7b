package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"time"
)

// IndexedFileStore is a [FileStore] that is also an [Index].
//
// The index lives in a directory of its own, beside the store's: one
// directory per term, named by the keyed hash of the term, holding one
// empty file per session filed under it, named as the session's record
// file. A record filed under terms has its index entries written before
// the record itself, and made durable first when the record is: so a crash
// at any point leaves no session that the index misses, only, at worst,
// an entry without a session, which is harmless and which
// [IndexedFileStore.Sweep] removes.
//
// As for a FileStore, the sessions of several processes sharing the
// directories are ended on all of them. A request of one of the sessions
// that is saving it at the very moment it is ended can write it back, as
// it can after a logout (see [FileStore]); its index entry stays, so
// ending the sessions again ends it.
type IndexedFileStore struct {
	*FileStore
	index *os.Root // the index's directory
	// entrySync, where the system has one, makes new entries durable
	// with a flush shared by the logins of the moment (flush_linux.go);
	// nil otherwise.
	entrySync *sharedSync
}

var _ Index = (*IndexedFileStore)(nil)

// NewIndexedFileStore adds to s an index kept in the directory beside
// s's, named as s's with "-index" appended (sessions-index for sessions),
// which it creates with mode 0700 if needed, and refuses as NewFileStore
// refuses its directory: the entries name sessions. It is outside s's
// directory so that nothing but records and their temporary files ever
// lies there. Processes that share s's directory share the index too.
func NewIndexedFileStore(s *FileStore) (*IndexedFileStore, error) {
	dir := s.dir + "-index"
	// openDir makes the checks; the index works through a plain os.Root.
	checked, err := openDir(dir)
	if err != nil {
		return nil, fmt.Errorf("session index: %w", err)
	}
	checked.Close()
	index, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("session index: %w", err)
	}
	entrySync, err := newEntrySync(index)
	if err != nil {
		index.Close()
		return nil, fmt.Errorf("session index: %w", err)
	}
	return &IndexedFileStore{FileStore: s, index: index, entrySync: entrySync}, nil
}

// Save implements [Store]: the index entries first, then the record.
func (s *IndexedFileStore) Save(id string, rec []byte, expiry time.Time) error {
	if err := s.fileUnder(id, rec, true); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return s.FileStore.Save(id, rec, expiry)
}

// SaveEphemeral implements [EphemeralSaver] as Save does, without waiting
// for the disk.
func (s *IndexedFileStore) SaveEphemeral(id string, rec []byte, expiry time.Time) error {
	if err := s.fileUnder(id, rec, false); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return s.FileStore.SaveEphemeral(id, rec, expiry)
}

// termDir is the index directory of term.
func (s *IndexedFileStore) termDir(term string) string {
	return s.names.name("index term\x00" + term)
}

// fileUnder writes the index entries of the record rec of session id. An
// entry that exists already costs one stat; a new one, a login, also
// bounds the live sessions filed under its term (MaxIndexed).
func (s *IndexedFileStore) fileUnder(id string, rec []byte, durable bool) error {
	terms := IndexTerms(rec)
	if len(terms) == 0 || len(rec) > MaxRecordSize {
		return nil // the save refuses a record that is too large
	}
	name := s.fileName(id)
	for _, term := range terms {
		dir := s.termDir(term)
		added, err := s.addEntry(dir, name, durable)
		if err != nil {
			return fmt.Errorf("index: %w", err)
		}
		if added {
			if err := s.bound(dir, name); err != nil {
				return fmt.Errorf("index: %w", err)
			}
		}
	}
	return nil
}

// addEntry makes the entry name in dir, and reports whether it is new.
func (s *IndexedFileStore) addEntry(dir, name string, durable bool) (added bool, err error) {
	entry := dir + "/" + name
	if _, err := s.index.Lstat(entry); err == nil {
		return false, nil
	}
	for try := 0; ; try++ {
		err := s.index.Mkdir(dir, 0o700)
		madeDir := err == nil
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return false, err
		}
		f, err := s.index.OpenFile(entry, os.O_WRONLY|os.O_CREATE, 0o600)
		if errors.Is(err, fs.ErrNotExist) && try == 0 {
			continue // the sweep removed the empty directory meanwhile
		}
		if err != nil {
			return false, err
		}
		if err := f.Close(); err != nil {
			return false, err
		}
		if !durable {
			return true, nil
		}
		// The entry must reach the disk before the record does: a
		// record that survives a power cut without its entry would be a
		// session that no back-channel logout could end.
		return true, s.syncEntry(dir, madeDir)
	}
}

// syncEntry makes a new entry in dir durable, and dir itself if it is new.
func (s *IndexedFileStore) syncEntry(dir string, madeDir bool) error {
	if s.entrySync != nil {
		return s.entrySync.do()
	}
	if err := s.syncDir(dir); err != nil {
		return err
	}
	if madeDir {
		return s.syncDir(".")
	}
	return nil
}

func (s *IndexedFileStore) syncDir(dir string) error {
	d, err := s.index.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// indexEntry is an entry of a term's directory, with the expiry of its
// session; the zero time for an entry whose session has ended.
type indexEntry struct {
	name   string
	expiry time.Time
}

// entries lists the entries of dir with their sessions' expiries. A
// missing dir has none.
func (s *IndexedFileStore) entries(dir string, now time.Time) ([]indexEntry, error) {
	d, err := s.index.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	// A term holds at most MaxIndexed live sessions, and ended ones until
	// the sweep: a short list.
	list, err := d.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	var out []indexEntry
	for _, e := range list {
		if !isRecordName(e.Name()) {
			continue
		}
		out = append(out, indexEntry{name: e.Name(), expiry: s.expiryOf(e.Name(), now)})
	}
	return out, nil
}

// expiryOf is the expiry of the record name, its modification time
// (FileStore), or the zero time when it is gone or past. It asks the
// store's directory as the store now uses it (see FileStore.reopen).
func (s *IndexedFileStore) expiryOf(name string, now time.Time) time.Time {
	f, err := s.open(name)
	if err != nil {
		return time.Time{}
	}
	info, err := f.Stat()
	f.Close()
	if err != nil || !info.ModTime().After(now) {
		return time.Time{}
	}
	return info.ModTime()
}

// bound ends the sessions filed in dir beyond MaxIndexed, those that
// expire first, and never keep, the one just filed.
func (s *IndexedFileStore) bound(dir, keep string) error {
	list, err := s.entries(dir, s.now())
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(e indexEntry) bool { return e.expiry.IsZero() || e.name == keep })
	slices.SortFunc(list, func(a, b indexEntry) int { return a.expiry.Compare(b.expiry) })
	for _, e := range list[:max(0, len(list)+1-MaxIndexed)] {
		if err := s.remove(e.name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// EndSessions implements [Index]. It deletes every record filed under
// term that still carries it, looking also where the previous keys
// (AcceptPreviousKeys) filed them: a session filed before a key rotation
// is filed again under the new key at its next save. The entries stay
// until the sweep, so that a session written back by a request saving it
// at that moment can still be found.
func (s *IndexedFileStore) EndSessions(ctx context.Context, term string) (ended int, err error) {
	var list []indexEntry
	for _, n := range append([]*namer{s.names}, s.previous...) {
		more, err := s.entries(n.name("index term\x00"+term), s.now())
		if err != nil {
			return 0, fmt.Errorf("end sessions: %w", err)
		}
		list = append(list, more...)
	}
	for _, e := range list {
		if err := ctx.Err(); err != nil {
			return ended, fmt.Errorf("end sessions: %w", err)
		}
		rec, err := s.readRecord(e.name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return ended, fmt.Errorf("end sessions: %w", err)
		}
		if !FiledUnder(rec, term) {
			continue // not this term's session: the entry is stale
		}
		if err := s.remove(e.name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return ended, fmt.Errorf("end sessions: %w", err)
		}
		ended++
	}
	return ended, nil
}

// staleEntryAge is how old an entry must be before the sweep removes it
// for a missing record: a new entry is written just before its record, and
// the sweep must not take it away in between.
const staleEntryAge = time.Minute

// Sweep removes what [FileStore.Sweep] removes, then the index entries
// of ended sessions, and the directories of terms left without entries.
func (s *IndexedFileStore) Sweep() (removed int, err error) {
	removed, err = s.FileStore.Sweep()
	n, indexErr := s.sweepIndex()
	if indexErr != nil {
		indexErr = fmt.Errorf("sweep session index: %w", indexErr)
	}
	return removed + n, errors.Join(err, indexErr)
}

func (s *IndexedFileStore) sweepIndex() (removed int, err error) {
	d, err := s.index.Open(".")
	if err != nil {
		return 0, err
	}
	terms, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return 0, err
	}
	now := s.now()
	for _, t := range terms {
		if !t.IsDir() || !isRecordName(t.Name()) {
			continue
		}
		dir := t.Name()
		list, err := s.entries(dir, now)
		if err != nil {
			return removed, err
		}
		for _, e := range list {
			entry := dir + "/" + e.name
			info, err := s.index.Lstat(entry)
			if !e.expiry.IsZero() || err != nil || now.Sub(info.ModTime()) < staleEntryAge {
				continue
			}
			if err := s.index.Remove(entry); err == nil {
				removed++
			}
		}
		// Fails, as it should, while the directory has entries.
		s.index.Remove(dir)
	}
	return removed, nil
}

// RunSweeper is [FileStore.RunSweeper] with this store's Sweep.
func (s *IndexedFileStore) RunSweeper(ctx context.Context, interval time.Duration, logger *slog.Logger) {
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
			removed, err := s.Sweep()
			if err != nil {
				logger.Error("session sweep failed", "removed", removed, "err", err)
				continue
			}
			logger.Debug("session sweep", "removed", removed)
		}
	}
}
