package session

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// tempPrefix starts the name of a file being written. Such a file is never
// read as a session; one older than staleTempAge was left by a crash and is
// removed by the sweep.
const (
	tempPrefix   = "tmp-"
	staleTempAge = time.Minute
)

// FileStore is a [Store] that keeps each session in its own file in one
// directory.
//
//   - A file is named by an HMAC-SHA-256 of the session ID, never the ID
//     itself, so a directory listing, a backup or a log of paths yields
//     nothing that works as a cookie (OWASP Session Management Cheat
//     Sheet: session IDs are secrets wherever they are kept).
//   - Every write goes to a temporary file in the same directory, which is
//     then renamed over the old file. Rename replaces a file atomically on
//     POSIX file systems, so a reader or a crash sees the old record or the
//     new one, never half of one. A save is made durable on the disk by a
//     flush it shares with the saves around it, within MaxUnflushed
//     (flush.go).
//   - A file's modification time is set to the record's expiry, so the
//     sweep can find expired sessions from the directory listing alone,
//     without opening a single file. Its access time is set just after,
//     so that reading a session never writes to the disk.
//   - All access goes through an [os.Root], which refuses names that
//     would leave the directory, whatever a name holds. On Linux a
//     session is read a shorter way to the same effect (rootfs_linux.go).
//
// Several processes may share one directory: each operation is atomic on
// its own, and the last writer of a session wins. A FileStore is not an
// [AtomicStore]: the Manager serialises the changes to a session within
// one process only, so two processes changing one session at once can
// lose one change, and a logout racing a change in another process can be
// undone. Use an AtomicStore, such as the Redis store of the sub-package
// redisstore, where that matters.
//
// Nothing removes the file of an ended session but the sweep: run
// [FileStore.RunSweeper] beside the server, or the directory only grows.
type FileStore struct {
	dir string
	// mu guards fs, which reopen replaces. Every use of fs holds mu for
	// reading until the call returns, so that reopen can close the old
	// directory handle once no call is using it.
	mu       sync.RWMutex
	fs       fileSystem
	names    *namer
	previous []*namer // older keys' names, still read (rotation.go)
	now      func() time.Time

	// MaxUnflushed bounds what a power cut may lose: the saves of the
	// last MaxUnflushed (flush.go). 0 makes every save wait for the disk.
	// Set it, if at all, before the first save.
	MaxUnflushed time.Duration

	flusher flusher
	flush   func(files []*os.File) error // syncFiles; tests fail it
}

// fileSystem is the part of [os.Root] that a FileStore uses. Tests put a
// failing one in its place to play a full disk or a failed rename.
type fileSystem interface {
	// ReadRecord returns the contents of the file name, but no more than
	// MaxRecordSize+1 bytes: enough to tell a record that is too large.
	ReadRecord(name string) ([]byte, error)
	Open(name string) (*os.File, error)
	OpenFile(name string, flag int, perm os.FileMode) (*os.File, error)
	Chtimes(name string, atime, mtime time.Time) error
	Rename(oldname, newname string) error
	Remove(name string) error
	Close() error
}

// NewFileStore opens dir as a session store, creating it with mode 0700 if
// needed. It refuses a directory that is a symbolic link or that other
// users can read or write: session files are secrets. key keys the hash
// that names the files; now is the clock (time.Now when nil).
func NewFileStore(dir string, key []byte, now func() time.Time) (*FileStore, error) {
	if len(key) == 0 {
		return nil, errors.New("session file store: empty key")
	}
	dir = filepath.Clean(dir)
	fsys, err := openDir(dir)
	if err != nil {
		return nil, fmt.Errorf("session file store: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	s := &FileStore{dir: dir, fs: fsys, names: newNamer(key), now: now, MaxUnflushed: DefaultMaxUnflushed}
	s.flush = s.syncFiles
	return s, nil
}

// openDir creates dir if needed and opens it, after checking that it is a
// real directory that only its owner can enter.
func openDir(dir string) (fileSystem, error) {
	// The caller cleans dir: a trailing slash would make Lstat follow a
	// symbolic link, and the check below would pass it.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a symbolic link; give the real directory", dir)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s has mode %#o; other users must have no access (chmod 700 %s)", dir, perm, dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return newRootFS(root)
}

// open, openFile, chtimes, rename and remove use the directory the store
// works in now.
func (s *FileStore) open(name string) (*os.File, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fs.Open(name)
}

func (s *FileStore) readRecord(name string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fs.ReadRecord(name)
}

func (s *FileStore) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fs.OpenFile(name, flag, perm)
}

func (s *FileStore) chtimes(name string, atime, mtime time.Time) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fs.Chtimes(name, atime, mtime)
}

func (s *FileStore) rename(oldname, newname string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fs.Rename(oldname, newname)
}

func (s *FileStore) remove(name string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fs.Remove(name)
}

// reopen starts using the directory found at the store's path again. The
// store holds its directory open, so if the directory is removed (by an
// over-eager clean-up job, say) and made anew, every write would keep
// going to the removed one. The store does not make the directory itself
// at run time: a missing directory may be a volume that is not mounted,
// and sessions written to the disk beneath it would be lost when it comes
// back. Until someone restores it, saving fails, and visitors see that.
func (s *FileStore) reopen() error {
	if _, err := os.Lstat(s.dir); err != nil {
		return err
	}
	fsys, err := openDir(s.dir)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.fs
	s.fs = fsys
	s.mu.Unlock()
	// No call uses the old handle any more; left open, each reopen would
	// leak a descriptor of a removed directory.
	old.Close()
	return nil
}

// fileName is the name of the file that holds the session id.
func (s *FileStore) fileName(id string) string { return s.names.name(id) }

// Load implements [Store].
func (s *FileStore) Load(id string) ([]byte, bool, error) {
	name := s.fileName(id)
	// No check of the expiry here: the Manager judges the timeouts from
	// the record itself, and logs why a session ended.
	b, err := s.readRecord(name)
	if errors.Is(err, fs.ErrNotExist) {
		return s.loadPrevious(id)
	}
	if err != nil {
		return nil, false, fmt.Errorf("load session: %w", err)
	}
	if len(b) > MaxRecordSize {
		// Too large to be one of our records: no session. Remove it now,
		// so that it is not read again. A failure is ignored: the file
		// counts as absent, and Load refuses it again next time.
		s.remove(name)
		return nil, false, nil
	}
	return b, true, nil
}

// readLimited reads f to its end, but no more than MaxRecordSize+1 bytes,
// so that an oversized file is noticed rather than silently cut short. A
// record is a few hundred bytes, so ReadAll's first buffer of 512 bytes
// holds most of them whole.
func readLimited(f *os.File) ([]byte, error) {
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxRecordSize+1))
}

// Save implements [Store].
func (s *FileStore) Save(id string, rec []byte, expiry time.Time) error {
	return s.save(id, rec, expiry, true)
}

// SaveEphemeral implements [EphemeralSaver]: it saves rec as Save does,
// just as atomically for every reader, but leaves it to the kernel to
// write it to the disk in its own time, without a flush. A power cut soon
// after may leave the old record, or a file that does not decode, which
// the Manager treats as no session.
func (s *FileStore) SaveEphemeral(id string, rec []byte, expiry time.Time) error {
	return s.save(id, rec, expiry, false)
}

func (s *FileStore) save(id string, rec []byte, expiry time.Time, durable bool) error {
	if len(rec) > MaxRecordSize {
		return fmt.Errorf("save session: %w: %d bytes", ErrRecordTooLarge, len(rec))
	}
	tmp, f, err := s.writeTemp(rec, expiry, durable)
	// A new file cannot be made in a directory that has been removed.
	if errors.Is(err, fs.ErrNotExist) && s.reopen() == nil {
		tmp, f, err = s.writeTemp(rec, expiry, durable)
	}
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if err := s.rename(tmp, s.fileName(id)); err != nil {
		if f != nil {
			f.Close()
		}
		s.remove(tmp)
		return fmt.Errorf("save session: %w", err)
	}
	// Saved under the current key's name, the record leaves the old ones:
	// one that stayed would only be shadowed, and swept at its expiry.
	s.removePrevious(id)
	if f != nil {
		return s.flushLater(f)
	}
	return nil
}

// writeTemp writes rec to a new temporary file stamped with its expiry,
// and returns its name. A file to be flushed is returned open, for the
// flush; otherwise f is nil. On error it leaves no file behind.
func (s *FileStore) writeTemp(rec []byte, expiry time.Time, durable bool) (name string, f *os.File, err error) {
	name, err = s.tempName()
	if err != nil {
		return "", nil, err
	}
	f, err = s.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", nil, err
	}
	// The returns below clear name and f on error, so the cleanup keeps
	// its own copies.
	tmp, file := name, f
	defer func() {
		if err != nil {
			file.Close() // a second Close of a closed file fails harmlessly
			s.remove(tmp)
		}
	}()
	if _, err = f.Write(rec); err != nil {
		return "", nil, err
	}
	if !durable {
		err = f.Close()
		if f = nil; err != nil {
			return "", nil, err
		}
	}
	// Stamp the expiry before the rename, never after: a sweep in between
	// would otherwise see the fresh file with an old time and remove it.
	//
	// The access time goes a second past the expiry so that reading the
	// file leaves it alone. Under relatime, Linux's default, a read
	// updates the access time whenever it is not later than the
	// modification time, which for a file stamped with a future expiry
	// would be every read: an inode write for every page view.
	if err = s.chtimes(name, expiry.Add(time.Second), expiry); err != nil {
		return "", nil, err
	}
	return name, f, nil
}

// tempName makes a unique temporary file name that records when it was
// made, so the sweep can tell a crash's leftover from a write in progress.
func (s *FileStore) tempName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return tempPrefix + strconv.FormatInt(s.now().UnixNano(), 10) + "-" + hex.EncodeToString(b[:]), nil
}

// Ping checks that the store can save: it writes a byte to a new
// temporary file in the directory and removes the file, so that a
// directory that is gone, read-only or on a full disk shows here, to a
// readiness check, before a visitor's login fails on it. Like a save, it
// takes up a directory that was removed and made anew. It touches no
// session; a file a crash leaves behind is removed by the sweep, as any
// temporary file. It also fails while the last flush of saves to the
// disk has failed (flush.go).
func (s *FileStore) Ping(ctx context.Context) error {
	if err := cmp.Or(ctx.Err(), s.flushErr()); err != nil {
		return err
	}
	name, err := s.tempName()
	if err != nil {
		return fmt.Errorf("session file store: %w", err)
	}
	f, err := s.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrNotExist) && s.reopen() == nil {
		f, err = s.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		return fmt.Errorf("session file store: %w", err)
	}
	_, err = f.Write([]byte{'\n'})
	err = errors.Join(err, f.Close(), s.remove(name))
	if err != nil {
		return fmt.Errorf("session file store: %w", err)
	}
	return nil
}

// Delete implements [Store].
func (s *FileStore) Delete(id string) error {
	err := s.remove(s.fileName(id))
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		err = s.removePrevious(id)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// isRecordName reports whether name has the shape of a session file's name:
// the 64 lowercase hex digits of fileName.
func isRecordName(name string) bool {
	if len(name) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
