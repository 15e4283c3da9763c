//go:build unix

package branches

import (
	"os"
	"sync"
	"syscall"
)

// mapFile maps f read-only into memory; pages are read as they are
// touched, and are the page cache's, not the heap's. Where it cannot be
// mapped, it is read whole.
func mapFile(f *os.File, size int) ([]byte, func() error, error) {
	if data, unmap, ok := tryMap(f, size); ok {
		return data, unmap, nil
	}
	return readFile(f, size)
}

// tryMap maps f read-only into memory, and reports false where it cannot.
func tryMap(f *os.File, size int) ([]byte, func() error, bool) {
	if size == 0 {
		return nil, func() error { return nil }, true
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	mapped.Add(int64(size))
	var once sync.Once
	return data, func() error {
		err := os.ErrClosed // unmapped already
		once.Do(func() {
			err = syscall.Munmap(data)
			mapped.Add(-int64(size))
		})
		return err
	}, true
}
