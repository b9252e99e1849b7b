//go:build unix

package session

import (
	"errors"
	"os"
	"syscall"
)

const flockSupported = true

// tryFlock takes an exclusive flock(2) on f without waiting, and reports
// whether it got it; held elsewhere is false with a nil error.
func tryFlock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
