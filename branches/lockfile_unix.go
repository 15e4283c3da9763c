//go:build unix

package branches

import (
	"errors"
	"os"
	"syscall"
)

const flockSupported = true

// flock tries to take f's flock(2) without waiting: it reports false if
// another open file holds it.
func flock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		}
		return false, err
	}
}
