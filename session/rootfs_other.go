//go:build !linux

package session

import "os"

// rootFS is a FileStore's fileSystem: the os.Root of its directory.
// rootfs_linux.go reads records a shorter way.
type rootFS struct{ *os.Root }

func newRootFS(root *os.Root) (fileSystem, error) { return rootFS{root}, nil }

// ReadRecord implements fileSystem.
func (r rootFS) ReadRecord(name string) ([]byte, error) {
	f, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	return readLimited(f)
}
