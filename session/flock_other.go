//go:build !unix

package session

import (
	"errors"
	"os"
)

const flockSupported = false

func tryFlock(*os.File) (bool, error) {
	return false, errors.New("flock is not supported on this system")
}
